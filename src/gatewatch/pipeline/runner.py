"""Run the planned parts in order, show them live, rebuild the report page, and judge the run.

SIGINT or SIGTERM (as `KeyboardInterrupt`, see `gatewatch.core.interrupts`) stops the running
part's whole process tree; that part and every part not yet started are `interrupted`,
the run's summary says so (the report page reads it and shows no verdict for them), and
the run's exit code is 130 (SIGINT) or 143 (SIGTERM).
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gatewatch.core import interrupts
from gatewatch.core.errors import ExitCode
from gatewatch.core.progress_feed import FEED_ENV
from gatewatch.core.records import encode
from gatewatch.core.records.run_summary import RunPart, RunSummary
from gatewatch.core.reports_layout import ReportsLayout
from gatewatch.pipeline.execute import run_part
from gatewatch.pipeline.failures import what_failed
from gatewatch.pipeline.plan import PartPlan
from gatewatch.pipeline.progress import Progress
from gatewatch.pipeline.verdict import PartResult, overall_exit, stops_the_run

# The end of a failed part's log shown after what it found (all of it is in the log).
LOG_TAIL_LINES = 15
Echo = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class _Failed:
    """A failed part, told after the live view has closed (printing into it garbles it)."""

    name: str
    log: Path
    tail: tuple[str, ...]


def run_all(
    parts: Sequence[PartPlan],
    reports_dir: Path,
    *,
    progress: Progress,
    echo: Echo,
    build_page: Callable[[Path], Path] | None = None,
) -> tuple[int, list[PartResult]]:
    """Every part in turn; the run's exit code and each part's result."""
    results: list[PartResult] = []
    failed: list[_Failed] = []
    layout = ReportsLayout(reports_dir)
    signum: int | None = None
    with progress:
        try:
            _run_parts(parts, layout, progress, results, failed)
        except KeyboardInterrupt as exc:
            signum = exc.signum if isinstance(exc, interrupts.Interrupted) else signal.SIGINT
            _interrupted(parts, results, progress)
    _write_summary(reports_dir, results, signum)
    for part in failed:
        _show_failure(echo, part, reports_dir)
    if build_page is not None:
        echo(f"report: {build_page(reports_dir)}")
    for result in results:
        echo(f"{result.name:<9} {result.verdict}")
    if signum is not None:
        echo(f"gatewatch run: interrupted by {signal.Signals(signum).name}")
        return interrupts.exit_code(signum), results
    if not any(r.exit_code is not None for r in results):
        echo("gatewatch run: no part ran")
        return ExitCode.USAGE, results
    return overall_exit(results), results


def _run_parts(
    parts: Sequence[PartPlan],
    layout: ReportsLayout,
    progress: Progress,
    results: list[PartResult],
    failed: list[_Failed],
) -> None:
    stopped: str | None = None
    for part in parts:
        if part.skipped is not None or stopped is not None:
            result = PartResult(part.name, None, detail=part.skipped or stopped or "", started=False)
            results.append(result)
            progress.end(result)
            continue
        log = layout.part_log(part.name)
        feed = layout.part_feed(part.name)
        feed.parent.mkdir(parents=True, exist_ok=True)
        feed.write_text("")  # this run's progress only
        progress.begin(part.name, feed)
        started = time.monotonic()
        try:
            code, tail = run_part(
                part.name,
                part.args,
                log=log,
                timeout_s=part.timeout_s,
                on_tick=progress.tick,
                env={**part.extra, FEED_ENV: str(feed)},
            )
        except KeyboardInterrupt:
            results.append(
                PartResult(part.name, None, time.monotonic() - started, str(log), interrupted=True)
            )
            progress.end(results[-1])
            raise
        result = PartResult(part.name, code, time.monotonic() - started, str(log))
        results.append(result)
        progress.end(result)
        if code != ExitCode.OK:
            failed.append(_Failed(part.name, log, tuple(tail)))
        if stops_the_run(result):
            stopped = f"{part.name} ended with '{result.verdict}'"


def _interrupted(parts: Sequence[PartPlan], results: list[PartResult], progress: Progress) -> None:
    """Every part without a result yet was not started because of the interrupt."""
    done = {r.name for r in results}
    for part in parts:
        if part.name not in done:
            result = PartResult(
                part.name, None, detail="interrupted before it started", interrupted=True, started=False
            )
            results.append(result)
            progress.end(result)


def _show_failure(echo: Echo, part: _Failed, reports_dir: Path) -> None:
    found = what_failed(part.name, reports_dir)
    if found:
        echo(f"--- {part.name}: what failed ---")
        for line in found:
            echo(line)
    echo(f"--- {part.name}: the end of its output (all of it in {part.log}) ---")
    for line in part.tail[-LOG_TAIL_LINES:] if found else part.tail:
        echo(line)
    echo("---")


def _write_summary(reports_dir: Path, results: Sequence[PartResult], signum: int | None) -> None:
    path = ReportsLayout(reports_dir).run_summary
    path.parent.mkdir(parents=True, exist_ok=True)
    summary = RunSummary(
        parts=tuple(
            RunPart(
                name=r.name,
                exit_code=r.exit_code,
                verdict=r.verdict,
                started=r.started,
                duration_s=round(r.duration_s, 3),
                log=r.detail if r.started else None,
            )
            for r in results
        ),
        interrupted=signal.Signals(signum).name if signum is not None else None,
        exit_code=interrupts.exit_code(signum) if signum is not None else int(overall_exit(results)),
    )
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(encode(summary), indent=2) + "\n")
    tmp.replace(path)
