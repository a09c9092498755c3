"""Running gatewatch's commands, as users do, against the hostile servers of `servers.py`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hostile.servers import HostileServer, echo, huge

CLI = [sys.executable, "-c", "from gatewatch.cli import main; main()"]
RUN_TIMEOUT_S = 300
# What Python prints when a run ends badly; none of it may reach the console.
TRACEBACK = "Traceback (most recent call last)"


@dataclass(frozen=True)
class Run:
    """One command's exit code and everything it printed (stdout then stderr)."""

    args: tuple[str, ...]
    exit_code: int
    output: str


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> Run:
    """`gatewatch ARGS` in a child process, bounded in time."""
    proc = subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=RUN_TIMEOUT_S,
        env={**os.environ, **env},
        cwd=cwd,
        check=False,
    )
    return Run(args, proc.returncode, proc.stdout + proc.stderr)


def files_under(folder: Path) -> list[Path]:
    """Every file under `folder`, at any depth."""
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def echo_server() -> Iterator[HostileServer]:
    with HostileServer(echo()) as server:
        yield server


@pytest.fixture
def huge_server() -> Iterator[HostileServer]:
    with HostileServer(huge(2 * 1024 * 1024)) as server:
        yield server
