"""Stopping a child process that leads its own process group, by its own pid."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
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


def descendants(pid: int) -> list[int]:
    """The pids of every process below `pid`, read from /proc (empty where there is none).

    A child that started its own session (Locust, its workers) is outside the group
    `stop_group` signals; this finds it by parentage, so it can be stopped by its pid too.
    """
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as stat:
                # pid (comm) state ppid ...: comm may hold spaces and parentheses.
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    todo = [pid]
    while todo:  # bounded: each pid is visited once, the tree has no cycles
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.append(child)
                todo.append(child)
    return found


def stop_pids(pids: list[int], *, wait_s: float) -> None:
    """SIGTERM each pid still alive, wait up to `wait_s` for them to go, then SIGKILL the rest."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = [p for p in pids if _alive(p)]
        for pid in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait_s
        while alive and time.monotonic() < deadline:  # bounded by wait_s
            time.sleep(0.05)
            alive = [p for p in alive if _alive(p)]
        if not alive:
            return


def _alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped by its parent, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
