"""A part `gatewatch run` interrupted is shown as interrupted, whatever its own files say."""

from __future__ import annotations

import json
import os
from pathlib import Path

from gatewatch.report import Verdict, read_reports, render_index
from gatewatch.report.run_source import run_summary_path
from tests.report.conftest import write_load, write_suite


def write_run(folder: Path, parts: dict[str, tuple[str, bool]], *, signal: str = "SIGINT") -> Path:
    """run/summary.json as `gatewatch run` writes it: part -> (verdict, started)."""
    path = run_summary_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "parts": [
            {"name": name, "exit_code": None, "verdict": verdict, "started": started}
            for name, (verdict, started) in parts.items()
        ],
        "interrupted": signal,
        "exit_code": 130,
    }
    path.write_text(json.dumps(doc))
    return path


def age(path: Path, seconds: float) -> None:
    stat = path.stat()
    os.utime(path, (stat.st_atime - seconds, stat.st_mtime - seconds))


def test_a_suite_summary_that_says_passed_is_no_verdict_after_an_interrupt(tmp_path: Path) -> None:
    write_suite(tmp_path, result="passed", allure=False)
    write_load(tmp_path, passed=True)
    age(tmp_path / "summary.json", 60)  # written before the run was interrupted
    age(tmp_path / "load" / "summary.json", 60)
    write_run(tmp_path, {"contract": ("interrupted", True), "load": ("interrupted", False)})
    report = read_reports(tmp_path)
    assert report.suite.verdict is Verdict.INTERRUPTED and report.load.verdict is Verdict.INTERRUPTED
    assert "SIGINT while this part ran" in (report.suite.interrupted or "")
    assert "before this part started" in (report.load.interrupted or "")
    page = render_index(tmp_path)
    assert page.count('verdict interrupted">INTERRUPTED') == 6  # lead, overview, section: twice
    assert "PASSED" not in page


def test_a_part_run_again_since_shows_its_own_verdict(tmp_path: Path) -> None:
    age(write_run(tmp_path, {"contract": ("interrupted", True)}), 60)
    write_suite(tmp_path, result="passed", allure=False)  # `gatewatch contract` later, on its own
    assert read_reports(tmp_path).suite.verdict is Verdict.PASSED


def test_a_suite_session_recorded_as_interrupted_is_no_verdict(tmp_path: Path) -> None:
    write_suite(tmp_path, result="interrupted", allure=False)
    suite = read_reports(tmp_path).suite
    assert suite.verdict is Verdict.INTERRUPTED and suite.problems == ()
    assert "PASSED" not in render_index(tmp_path).split('id="load"')[0]


def test_the_run_summary_written_is_the_run_summary_read(tmp_path: Path) -> None:
    import signal as signals

    from gatewatch.core.records import decode
    from gatewatch.core.records.run_summary import RUN_SUMMARY_VERSION, RunSummary
    from gatewatch.pipeline.runner import _write_summary
    from gatewatch.pipeline.verdict import PartResult

    results = [
        PartResult("contract", 0, duration_s=1.23456, detail="reports/run/contract.log"),
        PartResult("load", None, detail="interrupted", interrupted=True, started=True),
        PartResult("probe", None, detail="interrupted before it started", interrupted=True, started=False),
    ]
    _write_summary(tmp_path, results, signals.SIGINT)
    raw = json.loads(run_summary_path(tmp_path).read_text())
    assert raw["version"] == RUN_SUMMARY_VERSION
    decoded = decode(RunSummary, raw)
    assert not decoded.problems
    summary = decoded.record
    assert [(p.name, p.verdict, p.started) for p in summary.parts] == [
        ("contract", "passed", True),
        ("load", "interrupted", True),
        ("probe", "interrupted", False),
    ]
    assert summary.parts[0].duration_s == 1.235 and summary.parts[2].log is None
    assert (summary.interrupted, summary.exit_code) == ("SIGINT", 130)


def test_a_run_summary_of_a_newer_version_shows_nothing_as_interrupted(tmp_path: Path) -> None:
    from gatewatch.report.run_source import read_interrupted

    path = write_run(tmp_path, {"contract": ("interrupted", True)})
    assert read_interrupted(tmp_path)  # version 1 (no version field): read
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "version": 2}))
    assert read_interrupted(tmp_path) == {}
