"""Builds the Allure HTML report from allure-results/ with the Allure command-line tool.

Both tools install a command called `allure`: Allure 3 (the npm package `allure`) and
Allure 2 (allure-commandline, Java). Both accept `allure generate RESULTS -o OUT`. The
report is generated into a new folder and swapped in afterwards, so a failed or stopped
run leaves the previous report in place and neither version's rule about an existing
output folder comes into play.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from gatewatch.core.errors import ConfigError
from gatewatch.core.processes import stop_group
from gatewatch.core.reports_layout import ReportsLayout, allure_page_in

TIMEOUT_S = 180.0
STOP_WAIT_S = 5.0
INSTALL_HINT = (
    "install the Allure command-line tool: npm install -g allure (Allure 3, needs Node.js 18+), "
    "or put allure-commandline (Allure 2) on PATH with Java 17"
)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def find_allure() -> str | None:
    """The `allure` executable on PATH, or None."""
    return shutil.which("allure")


def build_allure(reports_dir: Path | str, *, timeout_s: float = TIMEOUT_S) -> Path:
    """Generate reports_dir/allure-report/ from reports_dir/allure-results/; returns its index.html.

    ConfigError (exit 2) when the folder or the results are missing, when no Allure tool is
    on PATH (the message says how to get one), or when the tool fails or hangs (it is stopped).
    """
    folder = Path(reports_dir)
    layout = ReportsLayout(folder)
    results = layout.allure_results
    if not folder.is_dir():
        raise ConfigError(f"the reports folder {folder} does not exist")
    if not results.is_dir() or not any(results.glob("*-result.json")):
        raise ConfigError(f"no Allure results in {results} (gatewatch contract writes them)")
    tool = find_allure()
    if tool is None:
        raise ConfigError(f"cannot build the Allure report: no allure on PATH; {INSTALL_HINT}")
    staging = Path(tempfile.mkdtemp(prefix=".allure-report-", dir=folder))
    try:
        # Does not exist yet: Allure 2 refuses an existing one.
        generated = staging / layout.allure_report.name
        # Run inside the empty staging folder, so Allure 3 picks up no stray allurerc.
        _run(
            [tool, "generate", str(results.absolute()), "-o", str(generated)],
            cwd=staging,
            timeout_s=timeout_s,
        )
        if not allure_page_in(generated).is_file():
            raise ConfigError(f"{tool} generate wrote no {allure_page_in(generated).name}")
        target = layout.allure_report
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(generated, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return layout.allure_page


def _run(argv: list[str], *, cwd: Path, timeout_s: float) -> None:
    """Run the tool; on timeout, stop its process group (Allure 2 is a launcher script with a java child)."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _stop(proc)
        raise ConfigError(
            f"allure generate did not finish in {timeout_s:g} s; stopped it (pid {proc.pid})"
        ) from None
    if proc.returncode != 0:
        lines = [_ANSI.sub("", line).strip() for line in (err + "\n" + out).splitlines()]
        last = next((line for line in reversed(lines) if line), "no output")
        raise ConfigError(f"allure generate failed (exit {proc.returncode}): {last}")


def _stop(proc: subprocess.Popen[str]) -> None:
    """Stop the group the tool leads (its own pid), leftovers too, and close its pipes."""
    stop_group(proc, wait_s=STOP_WAIT_S, sweep=True)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
