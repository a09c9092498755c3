"""`gatewatch probe`: flags, exit codes, production safety, the embedded simulator."""

from __future__ import annotations

import json

from .conftest import write_targets


def test_help_lists_the_flags(probe_cli):
    result = probe_cli("--help")
    assert result.code == 0
    for flag in (
        "--channel",
        "--to",
        "--deadline",
        "--history",
        "--once",
        "--every",
        "--pushgateway",
        "--textfile",
        "--metrics-listen",
        "--allow-production",
        "--initial-delay",
        "--max-runs",
        "--contracts",
        "--rate-limit",
        "--skip-rule",
        "--webhook-listen",
        "--webhook-public-url",
        "--replace-webhook",
    ):
        assert flag in result.out, flag


def test_production_is_refused_without_the_flag(sim, tmp_path, probe_cli, monkeypatch):
    monkeypatch.setenv("GATEWATCH_API_KEY", "key-a")
    targets = write_targets(
        tmp_path / "t.toml",
        sim.base_url,
        kind="production",
        extra='recipients = { delivered = "+393400000001" }',
    )
    result = probe_cli("--config", str(targets), "--target", "sim", "--channel", "SMS")
    assert result.code == 2
    assert "--allow-production" in result.err and "Traceback" not in result.err
    assert result.out == ""


def test_production_needs_a_configured_recipient(sim, tmp_path, probe_cli, monkeypatch):
    monkeypatch.setenv("GATEWATCH_API_KEY", "key-a")
    targets = write_targets(tmp_path / "t.toml", sim.base_url, kind="production")
    result = probe_cli("--config", str(targets), "--target", "sim", "--channel", "SMS", "--allow-production")
    assert result.code == 2
    assert "no test recipient" in result.err and "--to" in result.err


def test_production_with_the_flag_and_a_recipient_runs(sim, tmp_path, probe_cli, monkeypatch):
    monkeypatch.setenv("GATEWATCH_API_KEY", "key-a")
    targets = write_targets(
        tmp_path / "t.toml",
        sim.base_url,
        kind="production",
        extra='recipients = { delivered = "+393400000001" }',
    )
    result = probe_cli("--config", str(targets), "--target", "sim", "--channel", "SMS", "--allow-production")
    assert result.code == 0 and "outcome=delivered " in result.out
    # --to works as well, and wins over the configured number.
    result = probe_cli(
        "--config",
        str(targets),
        "--target",
        "sim",
        "--channel",
        "SMS",
        "--allow-production",
        "--to",
        "+393400000003",
    )
    assert result.code == 1 and "outcome=expired " in result.out


def test_no_key_is_a_usage_error_naming_the_variable(sim, tmp_path, probe_cli, monkeypatch):
    monkeypatch.delenv("GATEWATCH_API_KEY", raising=False)
    monkeypatch.delenv("GATEWATCH_API_KEY_FILE", raising=False)
    result = probe_cli("--base-url", sim.base_url, "--channel", "SMS")
    assert result.code == 2 and "GATEWATCH_API_KEY" in result.err


def test_usage_errors(sim_target, probe_cli):
    cases = [
        ["--once", "--every", "1m"],
        ["--deadline", "soon"],
        ["--channel", "sms"],
        ["--initial-delay", "5s", "--deadline", "1s"],
        ["--initial-delay", "FAX=1s"],
        ["--metrics-listen", "nowhere"],
        ["--confirm-lookups", "20"],
        ["--metrics-listen", "127.0.0.1:0"],  # only a loop serves /metrics
        ["--max-runs", "2"],  # only a loop has runs to bound
        ["--simulator-arg=--step-s=1"],  # only the embedded simulator takes them
    ]
    for args in cases:
        result = probe_cli(*sim_target, *args)
        assert result.code == 2, (args, result.out, result.err)
        assert "Traceback" not in result.err


def test_the_embedded_simulator_is_probed_when_no_target_is_given(probe_cli, monkeypatch, tmp_path):
    monkeypatch.delenv("GATEWATCH_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./gatewatch.toml
    result = probe_cli("--channel", "SMS", "--reports-dir", "out")
    assert result.code == 0, result.err
    assert "outcome=delivered target=local channel=SMS" in result.out
    # With no --history every run is still recorded, under the reports folder.
    records = [
        json.loads(line) for line in (tmp_path / "out" / "probe" / "history.jsonl").read_text().splitlines()
    ]
    assert [r["outcome"] for r in records if r["type"] == "run"] == ["delivered"]
    # The simulator it started is its own: the probe follows the message by webhook too.
    (run,) = [r for r in records if r["type"] == "run"]
    assert run["webhooks"]["state"] == "arrived" and "webhook=" in result.out


def test_the_embedded_simulator_takes_arguments(probe_cli, monkeypatch, tmp_path):
    monkeypatch.delenv("GATEWATCH_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    result = probe_cli("--channel", "SMS", "--to", "+393400000002", "--simulator-arg=--defect=final_flips")
    assert result.code == 1, result.err
    assert "outcome=contract_violation " in result.out and "final_status_stable" in result.out


def test_a_skipped_rule_is_not_judged(probe_cli, monkeypatch, tmp_path):
    monkeypatch.delenv("GATEWATCH_API_KEY", raising=False)
    defect = "--simulator-arg=--defect=echo_id_wrong"
    caught = probe_cli("--channel", "SMS", defect)
    assert caught.code == 1 and "echo_id" in caught.out
    skipped = probe_cli("--channel", "SMS", defect, "--skip-rule", "echo_id")
    assert skipped.code == 0 and "outcome=delivered " in skipped.out, skipped.out + skipped.err
    unknown = probe_cli("--channel", "SMS", "--skip-rule", "no_such_rule")
    assert unknown.code == 2 and "no rule 'no_such_rule'" in unknown.err


def test_a_rate_limit_for_an_embedded_simulator_of_a_dialect_without_limits_is_refused(
    probe_cli, monkeypatch
):
    monkeypatch.delenv("GATEWATCH_API_KEY", raising=False)
    result = probe_cli("--contracts", "strict", "--rate-limit", "20/s", "--channel", "SMS")
    assert result.code == 2 and "strict dialect has no rate limits" in result.err
    assert result.out == "" and "Traceback" not in result.err
