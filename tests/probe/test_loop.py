"""The loop: --every with jitter, --max-runs, and SIGTERM recording the run in flight."""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gatewatch.core.errors import ExitCode
from gatewatch.probe.history import History
from gatewatch.probe.loop import CycleReport, LoopOptions, Probe
from gatewatch.probe.metrics import ProbeMetrics

from .conftest import FakeClock, FakeGateway, plan, read_history, settings, write_targets

WAIT_S = 20.0


def test_every_spreads_cycles_with_jitter(contract):
    clock = FakeClock()
    starts: list[float] = []
    the_settings = settings(plan())
    probe = Probe(
        contract=contract,
        target="fake",
        clients={"SMS": FakeGateway(clock)},
        settings=the_settings,
        history=History(None, target="fake", max_pending=5, max_age_s=100.0),
        metrics=ProbeMetrics(contract, ["SMS"]),
        clock=clock,  # type: ignore[arg-type]
        out=lambda line: None,
        on_cycle=lambda report: starts.append(clock.now),
        rng=random.Random(7),
    )
    assert probe.run(LoopOptions(every_s=60.0, jitter=0.1, max_runs=6)) == ExitCode.OK
    # on_cycle fires at each cycle's end; the gaps between ends are the loop's periods.
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(gaps) == 5
    assert all(54.0 <= g <= 66.0 for g in gaps), gaps
    assert len({round(g, 3) for g in gaps}) > 1  # jittered, not a fixed period


def test_max_runs_bounds_the_loop(sim, sim_target, probe_cli, tmp_path):
    history = tmp_path / "h.jsonl"
    result = probe_cli(
        *sim_target, "--channel", "SMS", "--every", "10ms", "--max-runs", "3", "--history", str(history)
    )
    assert result.code == 0
    assert result.out.count("outcome=delivered ") == 3
    assert len([r for r in read_history(history) if r["type"] == "run"]) == 3


def _spawn(args: list[str], tmp_path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "GATEWATCH_API_KEY": "key-a"}
    return subprocess.Popen(
        [sys.executable, "-c", "from gatewatch.cli import main; main()", "probe", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )


def _wait_for_record(proc: subprocess.Popen[str], history: Path, kind: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:  # bounded by WAIT_S
        if history.exists() and any(r["type"] == kind for r in read_history(history)):
            return
        try:
            proc.wait(timeout=0.05)  # paces the poll; an early exit ends it
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"the probe exited early: {proc.communicate()}")
    pytest.fail(f"no {kind!r} record within {WAIT_S} s")


def test_sigterm_mid_run_records_what_was_seen_and_the_next_run_counts_it(
    sim, tmp_path, probe_cli, monkeypatch
):
    targets = write_targets(tmp_path / "targets.toml", sim.base_url)
    history = tmp_path / "h.jsonl"
    common = ["--config", str(targets), "--target", "sim", "--channel", "SMS", "--history", str(history)]
    # A long first wait keeps the run in flight until the signal.
    proc = _spawn([*common, "--initial-delay", "30s", "--deadline", "60s"], tmp_path)
    try:
        _wait_for_record(proc, history, "sent")
        os.kill(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=WAIT_S)
    assert proc.returncode == 1, err
    assert "outcome=interrupted " in out and "Traceback" not in err
    run = read_history(history)[-1]
    assert run["type"] == "run" and run["outcome"] == "interrupted" and run["pending"] is True
    # The next run looks it up again: by now the simulator has delivered it.
    monkeypatch.setenv("GATEWATCH_API_KEY", "key-a")
    again = probe_cli(*common, "--every", "10ms", "--max-runs", "2")
    assert "probe-late outcome=delivered" in again.out
    late = [r for r in read_history(history) if r["type"] == "late"]
    assert [r["run_id"] for r in late] == [run["run_id"]]


def test_sigterm_between_cycles_ends_a_loop_cleanly(sim, tmp_path):
    targets = write_targets(tmp_path / "targets.toml", sim.base_url)
    history = tmp_path / "h.jsonl"
    proc = _spawn(
        [
            "--config",
            str(targets),
            "--target",
            "sim",
            "--channel",
            "SMS",
            "--history",
            str(history),
            "--every",
            "1h",
        ],
        tmp_path,
    )
    try:
        _wait_for_record(proc, history, "run")
        os.kill(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=WAIT_S)
    assert proc.returncode == 0, err
    assert out.count("outcome=delivered ") == 1 and "Traceback" not in err


def test_a_cycle_report_per_cycle(contract):
    clock = FakeClock()
    reports: list[CycleReport] = []
    probe = Probe(
        contract=contract,
        target="fake",
        clients={"SMS": FakeGateway(clock)},
        settings=settings(plan()),
        history=History(None, target="fake", max_pending=5, max_age_s=100.0),
        metrics=ProbeMetrics(contract, ["SMS"]),
        clock=clock,  # type: ignore[arg-type]
        out=lambda line: None,
        on_cycle=reports.append,
    )
    assert probe.run(LoopOptions()) == ExitCode.OK
    assert [r.index for r in reports] == [0] and reports[0].results[0].outcome.value == "delivered"
