"""Reads `gatewatch run`'s own summary (run/summary.json): which parts an interrupt stopped.

A part stopped by Ctrl-C or SIGTERM may have left its own files half written, or an
earlier run's files that say passed. The run's summary, written after its children were
stopped, names each interrupted part; for those the page shows `interrupted` instead of
whatever the part's files say, unless the part has run again since (its file is newer).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from gatewatch.core.records.run_summary import INTERRUPTED, RunSummary
from gatewatch.core.reports_layout import RELATIVE, ReportsLayout
from gatewatch.report._read import Unreadable, read_record

# Each part's own file, relative to the reports folder: newer than the run's summary means
# the part ran again after the interrupted run, and its own verdict stands.
PART_FILES = {
    "contract": RELATIVE.suite_summary,
    "load": RELATIVE.load_summary,
    "probe": RELATIVE.probe_history,
}


def run_summary_path(reports_dir: Path) -> Path:
    """Where `gatewatch run` writes its summary."""
    return ReportsLayout(reports_dir).run_summary


def read_interrupted(reports_dir: Path) -> Mapping[str, str]:
    """Part name -> why it is shown as interrupted (empty: no run summary, or none interrupted)."""
    path = run_summary_path(reports_dir)
    try:
        summary = read_record(path, RunSummary).record
        stamp = path.stat().st_mtime
    except (Unreadable, OSError):
        return {}
    how = summary.interrupted or "a signal"
    found: dict[str, str] = {}
    for part in summary.parts:
        if part.verdict != INTERRUPTED:
            continue
        own = PART_FILES.get(part.name)
        if own is not None and _newer(reports_dir / own, stamp):
            continue
        started = part.exit_code is not None or part.started
        found[part.name] = (
            f"gatewatch run was interrupted by {how} while this part ran; what its files say is no verdict"
            if started
            else f"gatewatch run was interrupted by {how} before this part started"
        )
    return found


def _newer(path: Path, stamp: float) -> bool:
    try:
        return path.stat().st_mtime > stamp
    except OSError:
        return False
