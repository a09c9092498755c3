"""Degraded: delivered, but slower than the channel's threshold; exit 0, counted and shown apart."""

from __future__ import annotations

from .conftest import read_history, write_targets
from .test_confirmation import samples, value

# The fast simulator delivers after 2 steps (0.1 s): over 10 ms, under 900 ms (the deadline is 1 s).
SLOW = "10ms"
QUICK = "900ms"


def _probe(probe_cli, args, tmp_path):
    history, prom = tmp_path / "h.jsonl", tmp_path / "probe.prom"
    result = probe_cli(*args, "--channel", "SMS", "--history", str(history), "--textfile", str(prom))
    runs = [r for r in read_history(history) if r["type"] == "run"]
    return result, runs, samples(prom)


def test_a_slow_delivery_is_degraded_not_failed(sim, sim_target, probe_cli, tmp_path):
    result, runs, found = _probe(probe_cli, [*sim_target, "--degraded-after", f"SMS={SLOW}"], tmp_path)
    assert result.code == 0, result.out + result.err
    assert "outcome=degraded " in result.out and "over the 0.01 s degraded threshold" in result.out
    assert runs[0]["outcome"] == "degraded" and runs[0]["exit_code"] == 0
    assert runs[0]["degraded_after_s"] == 0.01 and runs[0]["final_status"] == "DELIVERED"
    assert value(found, "gatewatch_probe_runs_total", outcome="degraded") == 1
    assert value(found, "gatewatch_probe_runs_total", outcome="delivered") == 0
    assert value(found, "gatewatch_probe_last_outcome", outcome="degraded") == 1
    assert value(found, "gatewatch_probe_success") == 1  # not a failure of the delivery SLO
    assert value(found, "gatewatch_probe_consecutive_failures") == 0
    assert value(found, "gatewatch_probe_last_success_timestamp_seconds") > 0
    assert value(found, "gatewatch_probe_deadline_seconds") == 1.0


def test_a_delivery_under_the_threshold_is_delivered(sim, sim_target, probe_cli, tmp_path):
    result, runs, found = _probe(probe_cli, [*sim_target, "--degraded-after", QUICK], tmp_path)
    assert result.code == 0 and runs[0]["outcome"] == "delivered"
    assert runs[0]["degraded_after_s"] == 0.9
    assert value(found, "gatewatch_probe_runs_total", outcome="degraded") == 0


def test_the_threshold_comes_from_the_targets_file(sim, tmp_path, probe_cli, monkeypatch):
    monkeypatch.setenv("GATEWATCH_API_KEY", "key-a")
    targets = write_targets(tmp_path / "t.toml", sim.base_url, extra="degraded_after_s = { SMS = 0.01 }")
    args = ["--config", str(targets), "--target", "sim", "--first-interval", "20ms"]
    result, runs, _ = _probe(probe_cli, args, tmp_path)
    assert result.code == 0 and runs[0]["outcome"] == "degraded"
    # The flag wins over the file.
    again, runs, _ = _probe(probe_cli, [*args, "--degraded-after", f"SMS={QUICK}"], tmp_path)
    assert again.code == 0 and runs[-1]["outcome"] == "delivered"


def test_a_slow_step_in_the_embedded_simulator_degrades(probe_cli, monkeypatch, tmp_path):
    monkeypatch.delenv("GATEWATCH_API_KEY", raising=False)
    args = ["--simulator-arg=--step-s=0.05", "--degraded-after", "50ms", "--initial-delay", "20ms"]
    result, runs, _ = _probe(probe_cli, args, tmp_path)
    assert result.code == 0, result.out + result.err
    assert runs[0]["outcome"] == "degraded"


def test_the_next_process_reads_a_degraded_run_as_a_delivery(sim, sim_target, probe_cli, tmp_path):
    first, _, _ = _probe(probe_cli, [*sim_target, "--degraded-after", SLOW], tmp_path)
    assert first.code == 0
    # Stuck (the deadline is shorter than the lifecycle): the failures in a row start at this one.
    args = [*sim_target, "--deadline", "30ms", "--initial-delay", "10ms"]
    again, runs, found = _probe(probe_cli, args, tmp_path)
    assert again.code == 1 and [r["outcome"] for r in runs] == ["degraded", "stuck"]
    assert value(found, "gatewatch_probe_consecutive_failures") == 1
    assert value(found, "gatewatch_probe_last_success_timestamp_seconds") > 0
