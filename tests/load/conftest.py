"""Fixtures of the load test's tests: `gatewatch load` and Locust run as child processes.

Locust monkey-patches the interpreter with gevent, so it is never imported here: every
run is a subprocess in its own process group, with a deadline, killed (by its own
group id) if it overruns. Runs are short (a few seconds of load) and loopback only.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gatewatch.core.embedded import simulator_process

REPO = Path(__file__).resolve().parents[2]
SLO_FILE = REPO / "load" / "slo.yaml"
LOCUSTFILE = REPO / "load" / "locustfile.py"
# A run: Locust's start, the setup phase, a few seconds of load, the stop.
RUN_DEADLINE_S = 120.0
# Seconds of load per run: enough after the SLO file's 2 s warm-up for every kind to be sampled.
DURATION = "7s"


@dataclass(frozen=True)
class Run:
    """A finished child process: exit code, output, and the JSON summary it wrote (if any)."""

    code: int
    stdout: str
    stderr: str
    reports: Path

    @property
    def summary(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.reports / "summary.json").read_text(encoding="utf-8"))
        return loaded

    def gate(self, name: str) -> dict[str, Any]:
        return next(g for g in self.summary["gates"] if g["gate"] == name)

    def failed_gates(self) -> set[str]:
        return {g["gate"] for g in self.summary["gates"] if g["status"] == "fail"}

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any gatewatch or Locust setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWATCH_", "LOCUST_"))}
    return {**env, **(extra or {})}


def run_process(argv: Sequence[str], *, env: dict[str, str], cwd: Path, reports: Path) -> Run:
    """Run `argv` in its own process group; kill the group if it overruns RUN_DEADLINE_S."""
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=RUN_DEADLINE_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        pytest.fail(f"{argv[:6]} overran {RUN_DEADLINE_S} s\n{out[-3000:]}\n{err[-3000:]}")
    return Run(proc.returncode, out, err, reports)


def gatewatch_argv(*args: str) -> list[str]:
    return [sys.executable, "-c", "from gatewatch.cli import main; main()", *args]


@pytest.fixture
def gatewatch_load(tmp_path: Path) -> Callable[..., Run]:
    """Run `gatewatch load ARGS` with the repository's gates; reports under tmp_path."""

    def run(*args: str, env: dict[str, str] | None = None, duration: str = DURATION) -> Run:
        reports = tmp_path / "reports"
        argv = gatewatch_argv(
            "load", "--reports-dir", str(reports), "--slo", str(SLO_FILE), "--duration", duration, *args
        )
        return run_process(argv, env=clean_env(env), cwd=tmp_path, reports=reports / "load")

    return run


@pytest.fixture
def simulator() -> Iterator[Callable[..., str]]:
    """Start `gatewatch simulate ARGS` as a child process; returns its base URL; stopped at the end."""
    with ExitStack() as stack:

        def start(*args: str, env: dict[str, str] | None = None) -> str:
            context: AbstractContextManager[Any] = simulator_process(list(args), env=env)
            return str(stack.enter_context(context).base_url)

        yield start
