"""Locust's master/worker mode on loopback: the workers' histograms and counts merge on the master."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from hdrh.histogram import HdrHistogram

from gatewatch.loadtest.histograms import new_histogram
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


def run_master_and_workers(
    tmp_path: Path, url: str, workers: int, *, locustfile: Path = LOCUSTFILE, duration: str = "8s"
) -> tuple[Run, list[Path]]:
    """A master and `workers` worker processes on 127.0.0.1; each worker's shipped-reports file."""
    port = str(free_port())
    reports = tmp_path / "reports"
    locust = [sys.executable, "-m", "locust", "-f", str(locustfile)]
    shipped = [tmp_path / f"worker-{n}.jsonl" for n in range(workers)]
    procs = [
        subprocess.Popen(
            [*locust, "--worker", "--master-host", "127.0.0.1", "--master-port", port],
            cwd=tmp_path,
            # Each worker sends its own setup messages, so it needs the key.
            env=clean_env({"GATEWATCH_API_KEY": "key-a", "GATEWATCH_TEST_SHIPPED": str(out)}),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for out in shipped
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
                str(workers),
                "--expect-workers-max-wait",
                "30",
                "--host",
                url,
                "-u",
                "6",
                "-r",
                "6",
                "-t",
                duration,
                "--gatewatch-slo",
                str(SLO_FILE),
                "--gatewatch-load-dir",
                str(reports),
            ],
            env=clean_env(),  # the master sends nothing: it needs no key
            cwd=tmp_path,
            reports=reports,
        )
        for proc in procs:
            proc.wait(timeout=RUN_DEADLINE_S)  # the master's quit ends them
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
    return run, shipped


def test_one_master_and_two_workers_on_loopback(tmp_path: Path, simulator: Callable[..., str]) -> None:
    run, _ = run_master_and_workers(tmp_path, simulator(), 2)
    assert run.code == 0, run.output[-4000:]
    assert "RESULT: PASS" in run.stdout
    assert_merged(run, workers=2)


def _added(lines: list[dict[str, dict[str, str]]], field: str) -> dict[str, HdrHistogram]:
    total: dict[str, HdrHistogram] = {}
    for line in lines:
        for kind, text in line[field].items():
            total.setdefault(kind, new_histogram()).add(HdrHistogram.decode(text.encode("ascii")))
    return total


def _buckets(histogram: HdrHistogram) -> list[tuple[int, int]]:
    return [(v.value_iterated_to, v.count_at_value_iterated_to) for v in histogram.get_recorded_iterator()]


def test_the_masters_gates_judge_the_sum_of_the_workers_histograms_exactly(
    tmp_path: Path, simulator: Callable[..., str]
) -> None:
    run, shipped = run_master_and_workers(
        tmp_path, simulator(), 2, locustfile=Path(__file__).with_name("observed_locustfile.py"), duration="6s"
    )
    assert run.code == 0, run.output[-4000:]
    lines = [json.loads(line) for path in shipped for line in path.read_text(encoding="utf-8").splitlines()]
    assert all(path.stat().st_size > 0 for path in shipped)  # both workers shipped something
    merged = json.loads((run.reports / "histograms.json").read_text(encoding="utf-8"))
    for field in ("histograms", "service_histograms"):
        workers = _added(lines, field)
        master = {k: HdrHistogram.decode(t.encode("ascii")) for k, t in merged[field].items()}
        assert set(master) == set(workers) == set(KINDS)
        for kind in KINDS:
            # Bucket for bucket: the master's histogram is the workers' added up, nothing lost or rounded.
            assert _buckets(master[kind]) == _buckets(workers[kind]), (field, kind)
    # The gates read those merged histograms: each latency gate's figure is the summed one's.
    workers = _added(lines, "histograms")
    for gate in run.summary["slo"]["latency_ms"]:
        histogram = workers[gate["kind"]]
        expected = histogram.get_value_at_percentile(gate["percentile"]) / 1000
        assert run.gate(f"latency {gate['kind']} p{gate['percentile']:g}")["measured"] == expected


def test_processes_on_one_machine(gatewatch_load: Callable[..., Run]) -> None:
    run = gatewatch_load("--processes", "2", "--users", "6")
    assert run.code == 0, run.output[-4000:]
    assert_merged(run, workers=2)
