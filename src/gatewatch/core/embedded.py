"""Start the embedded simulator as a child process and stop it by its own pid.

Commands that run with no target (the quickstart, load tests on a laptop) use this, so the
simulator gets a process and a core of its own instead of sharing the harness's GIL.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from gatewatch.contract import Contract
from gatewatch.core.errors import ConfigError, GatewatchError
from gatewatch.core.options.simulate import SimulateOptions

READY_PREFIX = "READY "
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class SimulatorProcess:
    """A running `gatewatch simulate` child: its pid and base URL."""

    pid: int
    base_url: str


def simulate_command(args: Sequence[str] = ()) -> list[str]:
    """The argv that runs `gatewatch simulate` with this interpreter."""
    return [sys.executable, "-c", "from gatewatch.cli import main; main()", "simulate", *args]


@contextmanager
def simulator_process(
    args: Sequence[str] = (), env: dict[str, str] | None = None, *, contract: Contract | None = None
) -> Iterator[SimulatorProcess]:
    """Run the simulator on port 0 until the block ends; yields once it prints READY.

    With `contract`, the child serves that contract (the command's own dialect).
    """
    served = SimulateOptions(port=0, contracts=None if contract is None else str(contract.root.resolve()))
    args = [*served.as_args(), *args]
    # stderr goes to a file, not a pipe nobody drains, so a chatty child cannot block.
    with tempfile.TemporaryFile(mode="w+") as errors:
        proc = subprocess.Popen(
            simulate_command(args),
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env={**os.environ, **(env or {})},
        )
        try:
            base_url = _wait_ready(proc, errors)
            yield SimulatorProcess(pid=proc.pid, base_url=base_url)
        finally:
            _stop(proc)


def _wait_ready(proc: subprocess.Popen[str], errors: IO[str]) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT_S
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:  # bounded by START_TIMEOUT_S
            if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            line = proc.stdout.readline()
            if not line:
                break  # the child exited
            if line.startswith(READY_PREFIX):
                return line[len(READY_PREFIX) :].strip()
    errors.seek(0)
    err = " ".join(errors.read()[-2000:].split())
    try:
        code = proc.wait(timeout=1.0)
    except subprocess.TimeoutExpired:
        raise GatewatchError(
            f"the embedded simulator did not start within {START_TIMEOUT_S:.0f} s: {err}"
        ) from None
    # It refused to start: its own words say why (a bad option or contract), exit 2.
    raise ConfigError(f"the embedded simulator would not start (exit {code}): {err}")


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_TIMEOUT_S)
    if proc.stdout is not None:
        proc.stdout.close()
