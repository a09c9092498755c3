"""One part as its own `gatewatch <part>` process: output to its log, a timeout, stopped by its pid."""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from gatewatch.errors import ExitCode
from gatewatch.processes import stop_group

STOP_WAIT_S = 10.0
# How much of a part's output is kept in memory to show when it fails (all of it is in the log).
TAIL_LINES = 40

OnLine = Callable[[str], None]


def part_command(name: str, args: Sequence[str]) -> list[str]:
    """The argv that runs `gatewatch NAME ARGS` with this interpreter."""
    return [sys.executable, "-c", "from gatewatch.cli import main; main()", name, *args]


def run_part(
    name: str,
    args: Sequence[str],
    *,
    log: Path,
    timeout_s: float,
    on_line: OnLine,
    env: dict[str, str] | None = None,
) -> tuple[int, list[str]]:
    """Run the part to its end (or its timeout); its exit code and the last lines it printed."""
    log.parent.mkdir(parents=True, exist_ok=True)
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            part_command(name, args),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
            # Its own process group: a timeout stops the part and whatever it started.
            start_new_session=True,
        )
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout_s
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:  # bounded by the part's timeout
                if not sel.select(timeout=min(1.0, max(0.0, deadline - time.monotonic()))):
                    if proc.poll() is not None:
                        break
                    continue
                line = proc.stdout.readline()
                if not line:
                    break
                out.write(line)
                text = line.rstrip("\n")
                tail.append(text)
                on_line(text)
        if proc.poll() is None:
            try:
                code = proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                stop_group(proc, wait_s=STOP_WAIT_S)
                message = f"gatewatch run: {name} did not finish within {timeout_s:.0f} s; stopped"
                out.write(message + "\n")
                tail.append(message)
                proc.stdout.close()
                return int(ExitCode.USAGE), list(tail)
        else:
            code = proc.returncode
        proc.stdout.close()
    return code, list(tail)
