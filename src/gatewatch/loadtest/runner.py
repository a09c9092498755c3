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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gatewatch.contract import Contract, contracts_dir, dialect_names
from gatewatch.core import durations
from gatewatch.core.config import Run
from gatewatch.core.errors import ConfigError, ExitCode, GatewatchError
from gatewatch.core.opening import PreflightPolicy, open_run
from gatewatch.core.options import Surface
from gatewatch.core.options.load import LoadOptions
from gatewatch.core.processes import stop_group
from gatewatch.core.reports_layout import LoadFiles, ReportsLayout
from gatewatch.loadtest.gates import load_slo
from gatewatch.loadtest.kinds import parse_mix
from gatewatch.loadtest.ramp import RAMP_FLAG, ramp_plan
from gatewatch.loadtest.safety import check_load_allowed
from gatewatch.loadtest.slo_file import default_slo_file

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
    """What `gatewatch load` runs: its options, completed with what every Locust process is told."""

    #: The contract (a dialect name, or a contracts folder, absolute), the target's rate limit,
    #: the gates file and the load folder filled in.
    options: LoadOptions
    duration_s: float
    locustfile: Path

    @property
    def load_dir(self) -> Path:
        """Where the Locust processes write (a reports folder's load/)."""
        return Path(self.options.load_dir)

    @property
    def slo_file(self) -> Path:
        """The gates file."""
        return Path(self.options.slo_file or default_slo_file())

    @property
    def processes(self) -> int:
        """Locust worker processes on this machine (0: one process)."""
        return self.options.processes

    @property
    def user_count(self) -> int:
        """The users Locust starts."""
        return self.options.user_count


def load_plan(options: LoadOptions, run: Run) -> LoadPlan:
    """The plan of `gatewatch load OPTIONS` on `run` (paths made absolute for the child processes)."""
    where = options.target
    told = replace(
        where,
        config_file=where.config_file.absolute() if where.config_file else None,
        contracts=contract_choice(run.contract),
        rate_limit=str(run.target.rate_limit),
    )
    return LoadPlan(
        options=replace(
            options,
            target=told,
            slo_file=Path(options.slo_file or default_slo_file()).absolute(),
            load_dir=str(ReportsLayout(options.reports_dir).load_dir.absolute()),
        ),
        duration_s=parse_duration(options.duration),
        locustfile=(options.locustfile or PACKAGED_LOCUSTFILE).absolute(),
    )


def contract_choice(contract: Contract) -> str:
    """How a Locust process finds `contract`: its dialect's name if it ships, else its folder."""
    root = contract.root.resolve()
    for name in dialect_names():
        if contracts_dir(name).resolve() == root:
            return name
    return str(root)


def parse_duration(text: str, *, key: str = LoadOptions.flag_of("duration")) -> float:
    """Seconds in `text`, in gatewatch's one duration syntax (500ms, 30s, 5m, 1h30m)."""
    return durations.parse_duration(text, key=key)


def locust_command(plan: LoadPlan, base_url: str, run_id: str, *, master_port: int = 0) -> list[str]:
    """The argv of the headless Locust run (no secret in it: keys travel in the environment).

    Locust's own flags, then the plugin's from the plan's options. With `plan.processes` it
    is the master of that many workers on 127.0.0.1:`master_port` (see `worker_command`).
    """
    options = replace(plan.options, run_id=run_id)
    users = options.user_count
    files = LoadFiles(plan.load_dir)
    argv = [
        *_locust(plan),
        "--headless",
        "--host",
        base_url,
        "--users",
        str(users),
        "--spawn-rate",
        f"{options.spawn_rate if options.spawn_rate is not None else users:g}",
        "--run-time",
        f"{plan.duration_s:g}s",
        "--csv",
        str(files.csv_prefix),
        "--html",
        str(files.html),
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
    return [*argv, *options.as_args(Surface.LOCUST, explicit=True), *options.locust_args]


def _locust(plan: LoadPlan) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(plan.locustfile)]


def worker_command(plan: LoadPlan, master_port: int) -> list[str]:
    """The argv of one worker; the master sends it the run's options when the test starts."""
    return [
        *_locust(plan),
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


def run_load(plan: LoadPlan, run: Run) -> int:
    """Run the plan against `run`'s target (the embedded simulator when it has no URL); the exit code."""
    options, target = plan.options, run.target
    check_load_allowed(target, allow_production=options.allow_production, allow_remote=options.allow_remote)
    if options.ramp:
        if options.arrival_rate > 0:
            raise ConfigError("the ramp sets the arrival rate itself: drop --arrival-rate", key=RAMP_FLAG)
        ramp_plan(target.rate_limit)  # no per-second limit to ramp past: exit 2, now
    load_slo(plan.slo_file)  # a broken gates file fails now, not after the run
    parse_mix(options.mix, key=LoadOptions.flag_of("mix"))
    if not plan.locustfile.is_file():
        raise ConfigError(
            "locustfile not found", file=str(plan.locustfile), key=LoadOptions.flag_of("locustfile")
        )
    with ExitStack() as stack:
        opened = open_run(run, stack, policy=LOAD_PREFLIGHT)
        opened.preflight()
        # Locust's processes get the run's key the way any key travels: in their environment
        # (for the embedded simulator, its own key, whatever the user's environment holds).
        env = {target.api_key_env: opened.keys.primary.reveal()}
        return _run(plan, opened.base_url, env)


def _run(plan: LoadPlan, base_url: str, env_extra: dict[str, str]) -> int:
    run_id = uuid.uuid4().hex
    port = _free_port() if plan.processes else 0
    argv = locust_command(plan, base_url, run_id, master_port=port)
    plan.load_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **env_extra}
    timeout_s = plan.duration_s + GRACE_S + (WORKERS_WAIT_S if plan.processes else 0)
    if plan.processes:
        with local_workers(plan, port, env):
            code = run_process(argv, env, timeout_s=timeout_s)
    else:
        code = run_process(argv, env, timeout_s=timeout_s)
    summary = _summary(LoadFiles(plan.load_dir).summary)
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
