"""The Allure HTML report, built with the real Allure tool from results in allure-pytest's format.

In CI (CI set) a missing tool fails the test: `.ci/run` must install it (`npm install -g allure`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gatewatch.report import build_allure, build_index
from tests.report.conftest import require_tool, write_allure_results

CLI = [sys.executable, "-c", "from gatewatch.cli import main; main()"]
HOW = "npm install -g allure, or allure-commandline with Java 17"


def files_mentioning(folder: Path, needle: str) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and path.stat().st_size < 5_000_000 and needle in path.read_text(errors="replace"):
            found.append(path)
    return found


def test_the_allure_tool_builds_the_html_report(tmp_path: Path) -> None:
    require_tool("allure", HOW)
    reports = tmp_path / "reports"
    write_allure_results(reports)
    index = build_allure(reports)
    assert index == reports / "allure-report" / "index.html" and index.is_file()
    report = reports / "allure-report"
    # Both tests made it into the report's data (whichever Allure version built it).
    assert files_mentioning(report, "test_sent_id_is_found_on_its_channel[SMS]")
    assert files_mentioning(report, "test_status_is_in_the_enum[SMS]")
    # The call attached to the failed step travels with it.
    assert files_mentioning(report, "MISSING_API_KEY")
    # Built again, it replaces the old one cleanly.
    (report / "stale.txt").write_text("from the last build")
    build_allure(reports)
    assert not (report / "stale.txt").exists()
    # The page then links the HTML report rather than the raw results.
    page = build_index(reports).read_text(encoding="utf-8")
    assert '<a href="allure-report/index.html">Allure report</a>' in page


def test_gatewatch_report_allure_builds_both(tmp_path: Path) -> None:
    require_tool("allure", HOW)
    reports = tmp_path / "reports"
    write_allure_results(reports)
    out = subprocess.run(
        [*CLI, "report", "--reports-dir", str(reports), "--allure"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=os.environ.copy(),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"{reports / 'index.html'}\n"
    assert f"allure report: {reports / 'allure-report' / 'index.html'}" in out.stderr
    assert (reports / "allure-report" / "index.html").is_file()
