"""--confirm-failures: a failed run is followed by exactly one second probe before it counts."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from .conftest import read_history


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
    from .conftest import write_targets

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
