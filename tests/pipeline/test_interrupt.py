"""SIGINT or SIGTERM during `gatewatch run`: every process stopped, interrupted parts, 130 or 143."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from gatewatch.core.progress_feed import FEED_ENV, FeedReader, PartProgress, feed_file
from gatewatch.core.reports_layout import ReportsLayout
from gatewatch.report.run_source import run_summary_path
from tests.pipeline.test_run import CLI

MARKER_ENV = "GATEWATCH_TEST_TREE"
WAIT_S = 120.0


def pids_marked(marker: str) -> list[int]:
    """Every live process whose environment carries the marker (children inherit it)."""
    found = []
    needle = f"{MARKER_ENV}={marker}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in environ.split(b"\0") and state != "Z":
            found.append(int(entry))
    return found


def kill_all(proc: subprocess.Popen[str], marker: str) -> None:
    """Whatever the test started is gone after it, passed or not."""
    for pid in [proc.pid, *pids_marked(marker)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait(timeout=WAIT_S)


def wait_for(what: str, ready: Callable[[], bool], proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:  # bounded by WAIT_S; polls a file the run writes
        if ready():
            return
        if proc.poll() is not None:
            pytest.fail(f"gatewatch run ended (exit {proc.returncode}) before {what}")
        time.sleep(0.2)
    pytest.fail(f"no sign of {what} within {WAIT_S:.0f} s")


def progress_of(reports: Path, part: str) -> PartProgress:
    progress = PartProgress()
    for record in FeedReader(ReportsLayout(reports).part_feed(part)).read():
        progress.fold(record)
    return progress


def load_is_running(reports: Path) -> bool:
    load = progress_of(reports, "load").load
    return load is not None and load["requests"] > 0  # Locust is sending


def contract_is_running(reports: Path) -> bool:
    tests = progress_of(reports, "contract").tests
    return tests is not None and tests["done"] > 0  # a test is done, the rest are to come


@pytest.mark.parametrize(
    ("sig", "only", "running"),
    [
        (signal.SIGINT, "load,probe", load_is_running),
        (signal.SIGTERM, "contract,load", contract_is_running),
    ],
    ids=["SIGINT-during-load", "SIGTERM-during-contract"],
)
def test_an_interrupt_stops_every_process_and_nothing_passes(
    tmp_path: Path, sig: signal.Signals, only: str, running: Callable[[Path], bool]
) -> None:
    marker = uuid.uuid4().hex
    reports = tmp_path / "r"
    proc = subprocess.Popen(
        [*CLI, "run", "--only", only, "--load-duration", "120s", "--reports-dir", str(reports)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "GATEWATCH_API_KEY": "key-a", MARKER_ENV: marker},
    )
    try:
        wait_for(f"{only.split(',', maxsplit=1)[0]} running", lambda: running(reports), proc)
        assert len(pids_marked(marker)) >= 3  # the run, the part, its simulator (and Locust)
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=WAIT_S)
        left = pids_marked(marker)
    finally:
        kill_all(proc, marker)
    assert proc.returncode == 128 + sig, out
    assert left == [], f"left running: {left}\n{out}"
    assert "Traceback" not in out
    summary = json.loads(run_summary_path(reports).read_text())
    assert [p["verdict"] for p in summary["parts"]] == ["interrupted", "interrupted"], summary
    assert summary["interrupted"] == sig.name and summary["exit_code"] == 128 + sig
    page = (reports / "index.html").read_text()
    assert page.count('verdict interrupted">INTERRUPTED') >= 2 and "PASSED" not in page
    assert f"interrupted by {sig.name}" in out and "passed" not in out


def test_sigterm_stops_gatewatch_contract_and_its_simulator(tmp_path: Path) -> None:
    """The suite on its own: its session recorded as interrupted, its simulator stopped, exit 143."""
    marker = uuid.uuid4().hex
    reports = tmp_path / "r"
    feed = feed_file(tmp_path, "contract")
    proc = subprocess.Popen(
        [*CLI, "contract", "--reports-dir", str(reports)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "GATEWATCH_API_KEY": "key-a", MARKER_ENV: marker, FEED_ENV: str(feed)},
    )
    try:

        def running() -> bool:
            tests = PartProgress()
            for record in FeedReader(feed).read():
                tests.fold(record)
            return tests.tests is not None and tests.tests["done"] > 0

        wait_for("a test done", running, proc)
        assert len(pids_marked(marker)) == 2  # the suite and its simulator
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=WAIT_S)
        left = pids_marked(marker)
    finally:
        kill_all(proc, marker)
    assert proc.returncode == 128 + signal.SIGTERM, out
    assert left == [], f"left running: {left}\n{out}"
    assert json.loads((reports / "summary.json").read_text())["result"] == "interrupted"
