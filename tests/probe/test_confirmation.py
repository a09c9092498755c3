"""--confirm-failures: a failed run is followed by exactly one second probe before it counts."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from gatewatch.probe.history import History
from gatewatch.probe.loop import Probe
from gatewatch.probe.metrics import ProbeMetrics
from gatewatch.probe.outcomes import Outcome

from .conftest import FakeClock, FakeGateway, plan, read_history, settings, write_targets


def samples(prom: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(prom.read_text())
        for s in f.samples
    }


def value(found, name: str, **labels: str) -> float:
    return found[(name, tuple(sorted({"channel": "SMS", **labels}.items())))]


def _run(probe_cli, stub_target, tmp_path, *flags: str):
    history, prom = tmp_path / "h.jsonl", tmp_path / "probe.prom"
    result = probe_cli(*stub_target, "--history", str(history), "--textfile", str(prom), *flags)
    runs = [r for r in read_history(history) if r["type"] == "run"]
    return result, runs, samples(prom)


def test_a_failure_the_second_probe_does_not_see_is_unconfirmed(
    gateway_stub, stub_target, probe_cli, tmp_path
):
    gateway_stub.script.fail_messages = 1  # the first message expires, the second is delivered
    result, runs, found = _run(probe_cli, stub_target, tmp_path, "--confirm-failures")
    assert result.code == 0, result.out + result.err
    first, second = result.out.splitlines()
    assert "outcome=expired " in first and "confirmation=next" in first
    assert "outcome=delivered " in second and "confirmation=unconfirmed" in second
    assert "first_outcome=expired" in second
    # Both messages are in the history; the second says which run it confirmed (or not).
    assert [r["outcome"] for r in runs] == ["expired", "delivered"]
    assert runs[0]["awaiting_confirmation"] is True and runs[0]["confirmation"] is None
    assert runs[1]["confirmation"]["run_id"] == runs[0]["run_id"]
    assert runs[1]["confirmation"]["message_id"] == runs[0]["message_id"]
    assert runs[1]["confirmation"]["outcome"] == "expired" and runs[1]["confirmation"]["confirmed"] is False
    # Counted apart: not a failure of success, runs_total or consecutive_failures.
    assert value(found, "gatewatch_probe_unconfirmed_failures_total") == 1
    assert value(found, "gatewatch_probe_runs_total", outcome="expired") == 0
    assert value(found, "gatewatch_probe_runs_total", outcome="delivered") == 1
    assert value(found, "gatewatch_probe_success") == 1
    assert value(found, "gatewatch_probe_consecutive_failures") == 0
    assert gateway_stub._ids == 2


def test_a_failure_the_second_probe_sees_too_is_confirmed(gateway_stub, stub_target, probe_cli, tmp_path):
    gateway_stub.script.fail_messages = 5  # every message expires
    result, runs, found = _run(probe_cli, stub_target, tmp_path, "--confirm-failures")
    assert result.code == 1
    assert "confirmation=confirmed" in result.out.splitlines()[-1]
    assert [r["outcome"] for r in runs] == ["expired", "expired"]
    assert runs[1]["confirmation"]["confirmed"] is True
    assert value(found, "gatewatch_probe_unconfirmed_failures_total") == 0
    assert value(found, "gatewatch_probe_runs_total", outcome="expired") == 1  # one run, one failure
    assert value(found, "gatewatch_probe_success") == 0
    assert value(found, "gatewatch_probe_consecutive_failures") == 1
    assert gateway_stub._ids == 2  # bounded: exactly one confirming probe


def test_confirmation_is_off_by_default(gateway_stub, stub_target, probe_cli, tmp_path):
    gateway_stub.script.fail_messages = 1
    result, runs, found = _run(probe_cli, stub_target, tmp_path)
    assert result.code == 1 and [r["outcome"] for r in runs] == ["expired"]
    assert "confirmation=" not in result.out
    assert gateway_stub._ids == 1
    assert value(found, "gatewatch_probe_runs_total", outcome="expired") == 1


def test_the_targets_file_turns_confirmation_on(sim, tmp_path, probe_cli, monkeypatch):
    monkeypatch.setenv("GATEWATCH_API_KEY", "key-a")
    targets = write_targets(tmp_path / "t.toml", sim.base_url, extra="confirm_failures = true")
    history = tmp_path / "h.jsonl"
    # The deadline is shorter than the lifecycle: each message is stuck, so both runs fail.
    result = probe_cli(
        "--config", str(targets), "--target", "sim", "--channel", "SMS", "--history", str(history),
        "--first-interval", "20ms", "--deadline", "30ms", "--initial-delay", "10ms",
    )  # fmt: skip
    runs = [r for r in read_history(history) if r["type"] == "run"]
    assert result.code == 1, result.out + result.err
    assert [r["outcome"] for r in runs] == ["stuck", "stuck"]
    assert runs[1]["confirmation"]["confirmed"] is True


def test_a_broken_rule_is_not_confirmed_by_a_second_message(probe_cli, monkeypatch, tmp_path):
    monkeypatch.delenv("GATEWATCH_API_KEY", raising=False)
    history = tmp_path / "h.jsonl"
    result = probe_cli(
        "--channel", "SMS", "--confirm-failures", "--history", str(history),
        "--simulator-arg=--defect=echo_id_wrong",
    )  # fmt: skip
    runs = [r for r in read_history(history) if r["type"] == "run"]
    assert result.code == 1
    assert [r["outcome"] for r in runs] == ["contract_violation"]


def test_the_next_process_counts_the_confirmed_verdict_not_the_first_failure(
    gateway_stub, stub_target, probe_cli, tmp_path
):
    gateway_stub.script.fail_messages = 10  # every message expires
    first, _, _ = _run(probe_cli, stub_target, tmp_path, "--confirm-failures")
    assert first.code == 1
    # A --once process seeds consecutive_failures from the history: the line awaiting its
    # confirmation is not a failure of its own, so one confirmed failure and one more are two.
    again, runs, found = _run(probe_cli, stub_target, tmp_path)
    assert again.code == 1 and [r["outcome"] for r in runs] == ["expired"] * 3
    assert value(found, "gatewatch_probe_consecutive_failures") == 2


def _fake_probe(contract, clock, gateway, out):
    return Probe(
        contract=contract,
        target="fake",
        clients={"SMS": gateway},
        settings=settings(plan(), confirm_failures=True),
        history=History(None, target="fake", max_pending=5, max_age_s=100.0),
        metrics=ProbeMetrics(contract, ["SMS"]),
        clock=clock,
        out=out,
    )


def test_a_stop_during_the_confirming_probe_leaves_the_first_failure_counted(contract):
    expired = [(0.0, "SENT"), (0.3, "EXPIRED")]
    # Unstopped, both runs are recorded once the second ends; the two follow the same path in
    # fake time, so each takes half of that: the stop comes just after the first, in the second's
    # first wait.
    timing = FakeClock()
    ends: list[float] = []
    _fake_probe(
        contract, timing, FakeGateway(timing, path=expired), lambda line: ends.append(timing.now)
    )._run_one(plan())
    assert len(ends) == 2  # unstopped, the failure was confirmed by a second run

    clock = FakeClock(stop_at=ends[0] / 2 + 0.05)
    gateway = FakeGateway(clock, path=expired)
    lines: list[str] = []
    probe = _fake_probe(contract, clock, gateway, lines.append)
    result = probe._run_one(plan())
    assert result is not None and result.outcome is Outcome.EXPIRED and result.confirmation is None
    assert gateway.sends == 2
    assert "outcome=expired" in lines[0] and "confirmation=" not in lines[0]
    assert "outcome=interrupted" in lines[1]
    # The first failure counts as it is: no confirmation could be made.
    assert probe.metrics.runs.labels(channel="SMS", outcome="expired")._value.get() == 1
