"""`gatewatch report`: writes the page and prints its path; usage errors are one line and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gatewatch.core.errors import ConfigError
from gatewatch.report import allure as allure_module
from gatewatch.report import build_allure
from tests.report.conftest import write_allure_results

CLI = [sys.executable, "-c", "from gatewatch.cli import main; main()"]


def gatewatch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, check=False, env=env)


def assert_one_clean_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gatewatch: "), err
    assert "Traceback" not in err
    return lines[0]


def test_report_writes_the_page_and_prints_its_path(reports: Path) -> None:
    out = gatewatch("report", "--reports-dir", str(reports))
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"{reports / 'index.html'}\n"
    assert "Contract suite" in (reports / "index.html").read_text(encoding="utf-8")


def test_report_is_listed_in_the_help() -> None:
    out = gatewatch("--help")
    assert out.returncode == 0 and "report" in out.stdout


def test_a_missing_folder_is_exit_2_in_one_line(tmp_path: Path) -> None:
    out = gatewatch("report", "--reports-dir", str(tmp_path / "nowhere"))
    assert out.returncode == 2
    line = assert_one_clean_line(out.stderr)
    assert f"the reports folder {tmp_path / 'nowhere'} does not exist" in line
    assert out.stdout == ""


def test_allure_without_the_tool_is_exit_2_saying_how_to_get_it(reports: Path, tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    out = gatewatch(
        "report", "--reports-dir", str(reports), "--allure", env={**os.environ, "PATH": str(empty)}
    )
    assert out.returncode == 2
    line = assert_one_clean_line(out.stderr)
    assert "npm install -g allure" in line and "allure-commandline" in line and "Java 17" in line


def test_allure_without_results_is_exit_2(tmp_path: Path) -> None:
    out = gatewatch("report", "--reports-dir", str(tmp_path), "--allure")
    assert out.returncode == 2
    assert "no Allure results in" in assert_one_clean_line(out.stderr)


def fake_allure(folder: Path, script: str) -> None:
    """An `allure` on PATH that runs `script` (sh) instead of generating anything."""
    folder.mkdir(exist_ok=True)
    tool = folder / "allure"
    tool.write_text("#!/bin/sh\n" + script)
    tool.chmod(0o755)


def gone(pid: int) -> bool:
    """True when `pid` has exited (a zombie waiting to be reaped counts as gone)."""
    status = Path(f"/proc/{pid}/status")
    try:
        return "\nState:\tZ" in status.read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True


def test_a_hanging_tool_is_stopped_with_its_children(
    reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    child = tmp_path / "child.pid"
    # Like Allure 2's launcher: a script whose real work is a child (here one that ignores SIGTERM).
    fake_allure(bin_dir, f"(trap '' TERM; exec sleep 120) &\necho $! > {child}\nwait\n")
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    started = time.monotonic()
    with pytest.raises(ConfigError, match=r"did not finish in 1 s; stopped it \(pid \d+\)"):
        build_allure(reports, timeout_s=1)
    assert time.monotonic() - started < 1 + 2 * allure_module.STOP_WAIT_S
    pid = int(child.read_text())
    deadline = time.monotonic() + 5
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(pid), f"the tool's child {pid} is still running"
    assert not (reports / "allure-report").exists()
    assert not list(reports.glob(".allure-report-*")), "the staging folder is left behind"


def test_a_failing_tool_is_named_and_the_previous_report_is_kept(
    reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    fake_allure(bin_dir, "echo 'Error: something is wrong' >&2\nexit 3\n")
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    previous = reports / "allure-report"
    previous.mkdir()
    (previous / "index.html").write_text("old")
    with pytest.raises(ConfigError, match=r"allure generate failed \(exit 3\): Error: something is wrong"):
        build_allure(reports)
    assert (previous / "index.html").read_text() == "old"


def test_a_tool_that_writes_no_report_is_an_error(
    reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_allure(tmp_path / "bin", "exit 0\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    with pytest.raises(ConfigError, match=r"wrote no index\.html"):
        build_allure(reports)


def test_the_tool_gets_the_results_and_a_fresh_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = tmp_path / "reports"
    write_allure_results(reports)
    args = tmp_path / "args"
    # Record the arguments, then write a report where -o says.
    fake_allure(tmp_path / "bin", f'echo "$@" > {args}\nmkdir "$4"\necho ok > "$4/index.html"\n')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    path = build_allure(reports)
    assert path == reports / "allure-report" / "index.html" and path.read_text() == "ok\n"
    generate, results, flag, output = args.read_text().split()
    assert (generate, results, flag) == ("generate", str((reports / "allure-results").absolute()), "-o")
    assert Path(output).name == "allure-report" and Path(output).parent.name.startswith(".allure-report-")
