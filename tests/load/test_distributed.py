"""Locust's master/worker mode on loopback: the workers' histograms and counts merge on the master."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from gatewatch.loadtest.kinds import KINDS
from tests.load.conftest import LOCUSTFILE, RUN_DEADLINE_S, SLO_FILE, Run, clean_env, run_process


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_merged(run: Run, workers: int) -> None:
    summary = run.summary
    assert summary["workers"] == workers
    # Every request Locust counted is in the merged histograms, and nothing twice.
    assert summary["cross_check"]["recorded_requests"] == summary["cross_check"]["locust_requests"] > 0
    assert {kind for kind, row in summary["kinds"].items() if row["requests"] > 0} == set(KINDS)


def test_one_master_and_two_workers_on_loopback(tmp_path: Path, simulator: Callable[..., str]) -> None:
    url = simulator()
    port = str(free_port())
    reports = tmp_path / "reports"
    locust = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE)]
    workers = [
        subprocess.Popen(
            [*locust, "--worker", "--master-host", "127.0.0.1", "--master-port", port],
            cwd=tmp_path,
            env=clean_env({"GATEWATCH_API_KEY": "key-a"}),  # each worker sends its own setup messages
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(2)
    ]
    try:
        run = run_process(
            [
                *locust,
                "--headless",
                "--master",
                "--master-bind-host",
                "127.0.0.1",
                "--master-bind-port",
                port,
                "--expect-workers",
                "2",
                "--expect-workers-max-wait",
                "30",
                "--host",
                url,
                "-u",
                "6",
                "-r",
                "6",
                "-t",
                "8s",
                "--gatewatch-slo",
                str(SLO_FILE),
                "--gatewatch-load-dir",
                str(reports),
            ],
            env=clean_env(),  # the master sends nothing: it needs no key
            cwd=tmp_path,
            reports=reports,
        )
        for worker in workers:
            worker.wait(timeout=RUN_DEADLINE_S)  # the master's quit ends them
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=30)
    assert run.code == 0, run.output[-4000:]
    assert "RESULT: PASS" in run.stdout
    assert_merged(run, workers=2)


def test_processes_on_one_machine(gatewatch_load: Callable[..., Run]) -> None:
    run = gatewatch_load("--processes", "2", "--users", "6")
    assert run.code == 0, run.output[-4000:]
    assert_merged(run, workers=2)
