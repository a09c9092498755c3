"""Run the planned parts in order, show them live, rebuild the report page, and judge the run."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from gatewatch.errors import ExitCode
from gatewatch.pipeline.execute import run_part
from gatewatch.pipeline.plan import PartPlan
from gatewatch.pipeline.progress import Progress
from gatewatch.pipeline.verdict import PartResult, overall_exit, stops_the_run

RUN_DIR = "run"
Echo = Callable[[str], None]


def run_all(
    parts: Sequence[PartPlan],
    reports_dir: Path,
    *,
    progress: Progress,
    echo: Echo,
    build_page: Callable[[Path], Path] | None = None,
) -> tuple[ExitCode, list[PartResult]]:
    """Every part in turn; the run's exit code and each part's result."""
    results: list[PartResult] = []
    stopped: str | None = None
    with progress:
        for part in parts:
            if part.skipped is not None or stopped is not None:
                result = PartResult(part.name, None, detail=part.skipped or stopped or "")
                results.append(result)
                progress.end(result)
                continue
            progress.begin(part.name)
            started = time.monotonic()
            log = reports_dir / RUN_DIR / f"{part.name}.log"
            code, tail = run_part(
                part.name,
                part.args,
                log=log,
                timeout_s=part.timeout_s,
                on_line=_folding(progress, part.name),
                env=part.extra,
            )
            result = PartResult(part.name, code, time.monotonic() - started, str(log))
            results.append(result)
            progress.end(result)
            if code != ExitCode.OK:
                _show_tail(echo, part.name, tail, log)
            if stops_the_run(result):
                stopped = f"{part.name} ended with '{result.verdict}'"
    _write_summary(reports_dir, results)
    if build_page is not None:
        echo(f"report: {build_page(reports_dir)}")
    for result in results:
        echo(f"{result.name:<9} {result.verdict}")
    if not any(r.exit_code is not None for r in results):
        echo("gatewatch run: no part ran")
        return ExitCode.USAGE, results
    return overall_exit(results), results


def _folding(progress: Progress, name: str) -> Callable[[str], None]:
    return lambda text: progress.line(name, text)


def _show_tail(echo: Echo, name: str, tail: Sequence[str], log: Path) -> None:
    echo(f"--- {name}: the end of its output (all of it in {log}) ---")
    for line in tail:
        echo(line)
    echo("---")


def _write_summary(reports_dir: Path, results: Sequence[PartResult]) -> None:
    folder = reports_dir / RUN_DIR
    folder.mkdir(parents=True, exist_ok=True)
    doc = {
        "parts": [
            {
                "name": r.name,
                "exit_code": r.exit_code,
                "verdict": r.verdict,
                "duration_s": round(r.duration_s, 3),
                "log": r.detail if r.exit_code is not None else None,
            }
            for r in results
        ],
        "exit_code": int(overall_exit(results)),
    }
    tmp = folder / "summary.json.tmp"
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    tmp.replace(folder / "summary.json")
