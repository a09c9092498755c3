"""Stopping a child's process group by its pid: politely, then for good."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

from gatewatch.core.processes import descendants, stop_group, stop_pids


def _alive(pid: int) -> bool:
    """Running, that is: a killed orphan may linger as a zombie until something reaps it."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def test_a_child_that_ignores_sigterm_is_killed() -> None:
    proc = subprocess.Popen(
        ["sh", "-c", "trap '' TERM; echo ready; exec sleep 30"],
        start_new_session=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"  # SIGTERM is ignored from here on
    stop_group(proc, wait_s=0.5)
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL


def _launcher_with_a_stubborn_child() -> tuple[subprocess.Popen[str], int]:
    """A launcher that exits on SIGTERM and the grandchild it leaves, which ignores it."""
    proc = subprocess.Popen(
        ["sh", "-c", "sh -c \"trap '' TERM; echo ready; exec sleep 30\" & echo $!; wait"],
        start_new_session=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = {proc.stdout.readline().strip(), proc.stdout.readline().strip()}
    proc.stdout.close()
    assert "ready" in lines
    return proc, int(next(line for line in lines if line != "ready"))


def _gone(pid: int) -> bool:
    for _ in range(200):  # bounded: the kill is asynchronous, give it up to 2 s
        if not _alive(pid):
            return True
        subprocess.run(["sleep", "0.01"], check=True)
    return False


def test_a_sweep_kills_what_outlived_its_launcher() -> None:
    proc, left = _launcher_with_a_stubborn_child()
    stop_group(proc, wait_s=2.0, sweep=True)
    assert proc.returncode == -signal.SIGTERM
    assert _gone(left)


def test_without_a_sweep_the_stubborn_child_is_left() -> None:
    proc, left = _launcher_with_a_stubborn_child()
    stop_group(proc, wait_s=2.0)
    try:
        assert proc.returncode == -signal.SIGTERM and _alive(left)
    finally:
        os.kill(left, signal.SIGKILL)


def test_a_grandchild_in_a_session_of_its_own_is_found_and_stopped_by_its_pid() -> None:
    # Like Locust under `gatewatch load`: outside its launcher's group, so no killpg reaches it.
    script = (
        "import subprocess, sys; p = subprocess.Popen(['sleep', '30'], start_new_session=True); print(p.pid)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script + "; sys.stdout.flush(); p.wait()"],
        start_new_session=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    grandchild = int(proc.stdout.readline())
    try:
        assert descendants(proc.pid) == [grandchild]
        stop_group(proc, wait_s=5, sweep=True)
        assert _alive(grandchild)  # the group is gone, the grandchild is not
        stop_pids([grandchild], wait_s=5)
        assert _gone(grandchild)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(grandchild, signal.SIGKILL)
        proc.stdout.close()
