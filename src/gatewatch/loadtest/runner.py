"""Run a load test for `gatewatch load`: check, start the simulator if needed, run Locust headless.

Locust runs as a child process (it monkey-patches the interpreter with gevent), started
by its own pid in its own process group, with a deadline; its exit code is the gates'
verdict, confirmed against the summary it wrote for this run (matched by run id).
Every Locust process (master, workers) gets the command's contract (a dialect name, or
the folder), its skipped rules and the target's rate limit; an embedded simulator serves
the same contract with the same limit. This module never imports Locust.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatewatch import durations
from gatewatch.config import Run, Target
from gatewatch.contract import Contract, contracts_dir, dialect_names
from gatewatch.errors import ConfigError, ExitCode, GatewatchError
from gatewatch.loadtest.gates import load_slo
from gatewatch.loadtest.kinds import parse_mix
from gatewatch.loadtest.ramp import RAMP_FLAG, ramp_plan
from gatewatch.loadtest.safety import check_load_allowed
from gatewatch.opening import PreflightPolicy, open_run
from gatewatch.processes import stop_group
from gatewatch.reports_layout import LoadFiles

PACKAGED_LOCUSTFILE = Path(__file__).with_name("locustfile.py")
# Beyond the run time: Locust's start, the setup phase, workers connecting, the stop.
GRACE_S = 120.0
LOOPBACK = "127.0.0.1"
# How long the master waits for its local workers to connect.
WORKERS_WAIT_S = 60.0
STOP_WAIT_S = 30.0
# A connection made and dropped at the preflight: the target is there, and faults are the
# run's business; nothing answering at all ends the command (exit 3).
LOAD_PREFLIGHT = PreflightPolicy(tolerate_dropped=True)


class LocustFailed(GatewatchError):
    """Locust ended without evaluating the gates (bad arguments, a crash, a deadline)."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadPlan:
    """What `gatewatch load` was asked to run."""

    users: int | None
    spawn_rate: float | None
    duration_s: float
    processes: int
    arrival_rate: float
    max_in_flight: int | None
    mix: str | None
    validate_sample: float | None
    slo_file: Path
    reports_dir: Path
    locustfile: Path
    locust_args: tuple[str, ...] = ()
    target_name: str | None = None
    config_file: Path | None = None
    #: The contract for every Locust process: a dialect name, or a contracts folder (absolute).
    contracts: str | None = None
    skip_rules: tuple[str, ...] = ()
    #: The target's rate limit as `parse_rate_limit` reads it (e.g. "20/s", "none").
    rate_limit: str | None = None
    ramp: bool = False
    api_key_env: str | None = None
    allow_production: bool = False
    allow_remote: bool = False

    @property
    def open_model(self) -> bool:
        """True for an arrival rate or a ramp: requests start on a schedule."""
        return self.arrival_rate > 0 or self.ramp

    @property
    def user_count(self) -> int:
        """Closed model: 10 users by default; open model: one dispatcher per process."""
        if self.users is not None:
            return self.users
        return max(1, self.processes) if self.open_model else 10


def contract_choice(contract: Contract) -> str:
    """How a Locust process finds `contract`: its dialect's name if it ships, else its folder."""
    root = contract.root.resolve()
    for name in dialect_names():
        if contracts_dir(name).resolve() == root:
            return name
    return str(root)


def parse_duration(text: str, *, key: str = "--duration") -> float:
    """Seconds in `text`, in gatewatch's one duration syntax (500ms, 30s, 5m, 1h30m)."""
    return durations.parse_duration(text, key=key)


def locust_command(plan: LoadPlan, base_url: str, run_id: str, *, master_port: int = 0) -> list[str]:
    """The argv of the headless Locust run (no secret in it: keys travel in the environment).

    With `plan.processes` it is the master of that many workers on 127.0.0.1:`master_port`
    (see `worker_command`).
    """
    users = plan.user_count
    out = plan.reports_dir
    argv = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(plan.locustfile),
        "--headless",
        "--host",
        base_url,
        "--users",
        str(users),
        "--spawn-rate",
        f"{plan.spawn_rate if plan.spawn_rate is not None else users:g}",
        "--run-time",
        f"{plan.duration_s:g}s",
        "--csv",
        str(LoadFiles(out).csv_prefix),
        "--html",
        str(LoadFiles(out).html),
        "--gatewatch-slo",
        str(plan.slo_file),
        "--gatewatch-load-dir",
        str(out),
        "--gatewatch-run-id",
        run_id,
    ]
    if plan.processes:
        argv += [
            "--master",
            "--master-bind-host",
            LOOPBACK,
            "--master-bind-port",
            str(master_port),
            "--expect-workers",
            str(plan.processes),
            "--expect-workers-max-wait",
            f"{WORKERS_WAIT_S:g}",
        ]
    if plan.arrival_rate > 0:
        argv += ["--gatewatch-arrival-rate", f"{plan.arrival_rate:g}"]
    optional: list[tuple[str, object]] = [
        ("--gatewatch-max-in-flight", plan.max_in_flight),
        ("--gatewatch-mix", plan.mix),
        ("--gatewatch-validate-sample", plan.validate_sample),
        ("--gatewatch-target", plan.target_name),
        ("--gatewatch-config", plan.config_file),
        ("--gatewatch-contracts", plan.contracts),
        ("--gatewatch-skip-rule", ",".join(plan.skip_rules) or None),
        ("--gatewatch-rate-limit", plan.rate_limit),
        ("--gatewatch-api-key-env", plan.api_key_env),
    ]
    for flag, value in optional:
        if value is not None:
            argv += [flag, str(value)]
    if plan.ramp:
        argv.append("--gatewatch-ramp-past-limit")
    if plan.allow_production:
        argv.append("--gatewatch-allow-production")
    if plan.allow_remote:
        argv.append("--gatewatch-allow-remote")
    return [*argv, *plan.locust_args]


def worker_command(plan: LoadPlan, master_port: int) -> list[str]:
    """The argv of one worker; the master sends it the run's options when the test starts."""
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(plan.locustfile),
        "--worker",
        "--master-host",
        LOOPBACK,
        "--master-port",
        str(master_port),
        "--loglevel",
        "WARNING",
    ]


@contextmanager
def local_workers(plan: LoadPlan, master_port: int, env: dict[str, str]) -> Iterator[None]:
    """`plan.processes` workers on this machine for the block, stopped by their own pids after.

    Separate processes rather than Locust's own --processes, whose forked workers
    outlive the CSV files it closes and print a traceback at the end of every run.
    """
    workers: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(plan.processes):
            workers.append(
                subprocess.Popen(
                    worker_command(plan, master_port),
                    env=env,
                    stdout=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        yield
    finally:
        for worker in workers:
            try:
                worker.wait(timeout=STOP_WAIT_S)  # the master's quit ends them
            except subprocess.TimeoutExpired:
                _stop(worker, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def run_load(plan: LoadPlan, target: Target, contract: Contract) -> int:
    """Run the plan against `target` (the embedded simulator when it has no URL); the exit code."""
    check_load_allowed(target, allow_production=plan.allow_production, allow_remote=plan.allow_remote)
    if plan.ramp:
        if plan.arrival_rate > 0:
            raise ConfigError("the ramp sets the arrival rate itself: drop --arrival-rate", key=RAMP_FLAG)
        ramp_plan(target.rate_limit)  # no per-second limit to ramp past: exit 2, now
    load_slo(plan.slo_file)  # a broken gates file fails now, not after the run
    if plan.mix is not None:
        parse_mix(plan.mix, key="--mix")
    if not plan.locustfile.is_file():
        raise ConfigError("locustfile not found", file=str(plan.locustfile), key="--locustfile")
    with ExitStack() as stack:
        opened = open_run(Run(target=target, contract=contract), stack, policy=LOAD_PREFLIGHT)
        opened.preflight()
        # Locust's processes get the run's key the way any key travels: in their environment
        # (for the embedded simulator, its own key, whatever the user's environment holds).
        env = {target.api_key_env: opened.keys.primary.reveal()}
        return _run(plan, opened.base_url, env)


def _run(plan: LoadPlan, base_url: str, env_extra: dict[str, str]) -> int:
    run_id = uuid.uuid4().hex
    port = _free_port() if plan.processes else 0
    argv = locust_command(plan, base_url, run_id, master_port=port)
    plan.reports_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **env_extra}
    timeout_s = plan.duration_s + GRACE_S + (WORKERS_WAIT_S if plan.processes else 0)
    if plan.processes:
        with local_workers(plan, port, env):
            code = run_process(argv, env, timeout_s=timeout_s)
    else:
        code = run_process(argv, env, timeout_s=timeout_s)
    summary = _summary(LoadFiles(plan.reports_dir).summary)
    if summary.get("run_id") == run_id:
        exit_code = summary.get("exit_code")
        return exit_code if isinstance(exit_code, int) else code
    if code in (ExitCode.USAGE, ExitCode.UNREACHABLE):
        return code  # the plugin refused to start, and said why
    raise LocustFailed(f"Locust exited {code} before the gates were evaluated (see its output above)")


def _summary(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def run_process(argv: Sequence[str], env: dict[str, str], *, timeout_s: float) -> int:
    """Run `argv` in its own process group until it exits or `timeout_s` passes; its exit code.

    Ctrl-C is passed on as SIGINT, so Locust stops early and still evaluates the gates on
    what it measured.
    """
    proc = subprocess.Popen(list(argv), env=env, start_new_session=True)
    try:
        return proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _stop(proc, signal.SIGTERM)
        raise LocustFailed(f"Locust did not finish within {timeout_s:.0f} s; stopped it") from None
    except KeyboardInterrupt:
        _stop(proc, signal.SIGINT)
        return proc.returncode if proc.returncode is not None else ExitCode.USAGE


def _stop(proc: subprocess.Popen[bytes], first: signal.Signals) -> None:
    stop_group(proc, first=first, wait_s=STOP_WAIT_S)
