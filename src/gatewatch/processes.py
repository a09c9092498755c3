"""Stopping a child process that leads its own process group, by its own pid."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from typing import Any


def stop_group(
    proc: subprocess.Popen[Any], *, first: signal.Signals = signal.SIGTERM, wait_s: float, sweep: bool = False
) -> None:
    """Send `first` to the group `proc` leads, wait up to `wait_s`, then SIGKILL the group if need be.

    With `sweep`, the group is SIGKILLed even when the leader exited in time: a child
    that ignored the signal, or outlived its launcher, is still in the group.
    """
    for sig in (first, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue
        if not sweep or sig == signal.SIGKILL:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        return
