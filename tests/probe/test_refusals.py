"""Refusals that are configuration, not the gateway failing: 403, a refused key, dry-run sends.

Each ends the command with exit 2 and says what to do; a 403 is also recorded (history,
metrics) as the `forbidden` outcome, so a canary that is refused shows it on the dashboards.
"""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from .conftest import read_history, write_targets


def runs(history):
    return [r for r in read_history(history) if r["type"] == "run"]


def test_a_403_at_the_preflight_is_forbidden_recorded_and_exit_2(
    gateway_stub, stub_target, probe_cli, tmp_path
):
    gateway_stub.script.forbid = True
    history, prom = tmp_path / "h.jsonl", tmp_path / "p.prom"
    result = probe_cli(*stub_target, "--history", str(history), "--textfile", str(prom))
    assert result.code == 2, result.out + result.err
    (line,) = result.out.splitlines()
    assert "outcome=forbidden " in line and "add this machine's" in line and "allow-list" in line
    assert "Traceback" not in result.err
    (record,) = runs(history)
    assert record["outcome"] == "forbidden" and record["exit_code"] == 2
    assert record["message_id"] is None and not record["pending"]
    assert [op for op, _ in gateway_stub.script.seen] == ["lookup"]  # the preflight only: nothing sent
    samples = {
        (s.name, s.labels.get("outcome")): s.value
        for family in text_string_to_metric_families(prom.read_text())
        for s in family.samples
    }
    assert samples[("gatewatch_probe_runs_total", "forbidden")] == 1
    assert samples[("gatewatch_probe_last_outcome", "forbidden")] == 1
    assert samples[("gatewatch_probe_consecutive_failures", None)] == 1


def test_a_403_mid_run_is_forbidden_and_exit_2(gateway_stub, stub_target, probe_cli, tmp_path):
    history = tmp_path / "h.jsonl"
    gateway_stub.script.refuse_after_send = True  # the allow-list "changes" once the message is in
    result = probe_cli(*stub_target, "--history", str(history))
    assert result.code == 2, result.out + result.err
    assert "outcome=forbidden " in result.out and "allow-list" in result.out
    (record,) = runs(history)
    assert record["outcome"] == "forbidden" and record["violations"] == []
    assert record["message_id"] is not None and record["pending"]  # it was sent: later runs follow it


def test_a_refused_key_is_exit_2_with_the_preflights_message(
    gateway_stub, stub_target, probe_cli, monkeypatch
):
    monkeypatch.setenv("GATEWATCH_API_KEY", "not-the-key")
    result = probe_cli(*stub_target)
    assert result.code == 2, result.out + result.err
    auth = gateway_stub.contract.auth
    # One line naming the variable and the header and scheme sent, the key redacted.
    (line,) = result.err.strip().splitlines()
    assert "$GATEWATCH_API_KEY" in line and f"{auth.header}: " in line and "***" in line
    assert "not-the-key" not in result.err + result.out
    assert result.out == ""
    assert [op for op, _ in gateway_stub.script.seen] == ["lookup"]  # nothing was sent


def test_dry_run_sends_are_refused_before_anything_is_sent(tmp_path, probe_cli, monkeypatch):
    monkeypatch.setenv("GATEWATCH_API_KEY", "key-a")
    targets = write_targets(tmp_path / "t.toml", "http://127.0.0.1:9/api", extra="dry_run_sends = true")
    result = probe_cli("--config", str(targets), "--target", "sim", "--channel", "SMS")
    assert result.code == 2
    assert "dry-run sends cannot be followed; the probe needs real sends" in result.err
    assert "Traceback" not in result.err and result.out == ""
