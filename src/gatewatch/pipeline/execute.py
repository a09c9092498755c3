"""One part as its own `gatewatch <part>` process: output to its log, a timeout, stopped by its pid.

The part's raw output goes to its log only (the live view shows what the part reports on
its progress feed). The output is read in chunks as it comes, not by lines: pytest's dots
and Locust's tables end a line only now and then, and a read that waits for the end of a
line would hold up the view, the timeout and an interrupt alike.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from gatewatch.core.errors import ExitCode
from gatewatch.core.processes import descendants, stop_group, stop_pids

STOP_WAIT_S = 10.0
# How much of a part's output is kept in memory to show when it fails (all of it is in the log).
TAIL_LINES = 40
# How often the view is given a chance to refresh while a part is quiet.
TICK_S = 0.5
_CHUNK = 1 << 16

OnTick = Callable[[], None]


def part_command(name: str, args: Sequence[str]) -> list[str]:
    """The argv that runs `gatewatch NAME ARGS` with this interpreter."""
    return [sys.executable, "-c", "from gatewatch.cli import main; main()", name, *args]


class _Tail:
    """The last lines of a byte stream that arrives in arbitrary chunks."""

    def __init__(self) -> None:
        self.lines: deque[str] = deque(maxlen=TAIL_LINES)
        self._partial = ""

    def add(self, chunk: bytes) -> None:
        *complete, self._partial = (self._partial + chunk.decode("utf-8", "replace")).split("\n")
        self.lines.extend(line.rstrip("\r") for line in complete)

    def all(self) -> list[str]:
        return [*self.lines, *([self._partial] if self._partial else [])]


def stop_tree(proc: subprocess.Popen[bytes], *, first: signal.Signals) -> None:
    """Stop the part, its group, and whatever it started in a session of its own (Locust), by pid.

    `first` goes to the part's group (SIGINT lets the suite record an interrupted session
    and the load part stop Locust itself); what is left after STOP_WAIT_S is killed.
    """
    tree = descendants(proc.pid)  # before the signal: once a parent dies its children move
    stop_group(proc, first=first, wait_s=STOP_WAIT_S, sweep=True)
    stop_pids(tree, wait_s=STOP_WAIT_S)


def run_part(
    name: str,
    args: Sequence[str],
    *,
    log: Path,
    timeout_s: float,
    on_tick: OnTick,
    env: dict[str, str] | None = None,
) -> tuple[int, list[str]]:
    """Run the part to its end (or its timeout); its exit code and the last lines it printed.

    An interrupt (KeyboardInterrupt, `gatewatch.core.interrupts.Interrupted`) stops the part's
    whole process tree, then propagates.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    tail = _Tail()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            part_command(name, args),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
            # Its own process group: a timeout or an interrupt stops the part and what it started.
            start_new_session=True,
        )
        assert proc.stdout is not None
        try:
            code = _follow(proc, out, tail, timeout_s=timeout_s, on_tick=on_tick)
        except BaseException:
            stop_tree(proc, first=signal.SIGINT)
            raise
        finally:
            proc.stdout.close()
        if code is None:
            stop_tree(proc, first=signal.SIGTERM)
            message = f"gatewatch run: {name} did not finish within {timeout_s:.0f} s; stopped"
            out.write(message.encode() + b"\n")
            tail.add(message.encode() + b"\n")
            return int(ExitCode.USAGE), tail.all()
    return code, tail.all()


def _follow(
    proc: subprocess.Popen[bytes], out: BinaryIO, tail: _Tail, *, timeout_s: float, on_tick: OnTick
) -> int | None:
    """Copy the part's output to its log until it exits; its exit code, or None at the deadline."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + timeout_s
    open_pipe = True
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while time.monotonic() < deadline:  # bounded by the part's timeout
            on_tick()
            if open_pipe and sel.select(timeout=min(TICK_S, max(0.0, deadline - time.monotonic()))):
                chunk = os.read(fd, _CHUNK)
                if chunk:
                    out.write(chunk)
                    tail.add(chunk)
                    continue
                open_pipe = False  # the part closed its output: it is ending
                sel.unregister(fd)
            if proc.poll() is not None:
                return proc.returncode
            if not open_pipe:
                time.sleep(TICK_S)
    try:
        return proc.wait(timeout=0)
    except subprocess.TimeoutExpired:
        return None
