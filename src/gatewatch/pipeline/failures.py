"""What a failed part found, in a few lines, read from the files it wrote (not from its output).

Shown by `gatewatch run` before the end of the part's log: for the contract suite the
failed rules with their provenance, an example and the line that replays each failed
test; for the load test the failed gates; for the probe the outcome per channel.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gatewatch.core.records.load_summary import GateStatus
from gatewatch.core.reports_layout import ReportsLayout
from gatewatch.report._read import Unreadable
from gatewatch.report.load_source import read_load
from gatewatch.report.model import RuleStatus, Verdict
from gatewatch.report.probe_source import read_probe
from gatewatch.report.suite_source import read_suite

EXAMPLES_PER_RULE = 2
REPLAYS = 5
_WIDTH = 160  # an example is one line of the console, not a response body


def _cut(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _WIDTH else line[: _WIDTH - 3] + "..."


def contract_failures(reports_dir: Path) -> list[str]:
    """The failed rules (`rule (provenance): summary`, an example or two) and the replay lines."""
    suite = read_suite(reports_dir)
    if suite.verdict is not Verdict.FAILED:
        return []
    lines: list[str] = []
    for rule in suite.rules:
        if rule.status is not RuleStatus.FAILED:
            continue
        lines.append(f"rule {rule.id} ({rule.provenance}): {rule.summary}")
        lines += [f"    {_cut(example)}" for example in rule.examples[:EXAMPLES_PER_RULE]]
    replays = [f.replay for f in suite.failures if f.replay][:REPLAYS]
    if replays:
        lines.append("replay:")
        lines += [f"    {replay}" for replay in replays]
        if len(suite.failures) > REPLAYS:
            lines.append(
                f"    ... {len(suite.failures) - REPLAYS} more in {ReportsLayout(reports_dir).suite_summary}"
            )
    return lines


def load_failures(reports_dir: Path) -> list[str]:
    """The failed gates: `gate NAME: measured vs limit (detail)`."""
    load = read_load(reports_dir)
    lines = [
        f"gate {g.name}: measured {g.measured} {g.unit}, limit {g.comparison} {g.limit}"
        + (f" ({_cut(g.detail)})" if g.detail else "")
        for g in load.gates
        if g.status == GateStatus.FAIL
    ]
    if load.setup_error:
        lines.append(f"setup: {load.setup_error}")
    return lines


def probe_failures(reports_dir: Path) -> list[str]:
    """The latest run's outcome per channel: `SMS: stuck (reason)`."""
    probe = read_probe(reports_dir)
    lines = []
    for channel, runs in probe.runs.items():
        if runs:
            last = runs[-1]
            lines.append(f"{channel}: {last.outcome}" + (f" ({_cut(last.reason)})" if last.reason else ""))
    return lines


_BY_PART: dict[str, Callable[[Path], list[str]]] = {
    "contract": contract_failures,
    "load": load_failures,
    "probe": probe_failures,
}


def what_failed(part: str, reports_dir: Path) -> list[str]:
    """The lines that say what `part` found (none when its files say nothing readable)."""
    read = _BY_PART.get(part)
    if read is None:
        return []
    try:
        return read(reports_dir)
    except (Unreadable, OSError):
        return []
