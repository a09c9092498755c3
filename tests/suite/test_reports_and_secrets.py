"""What a run leaves behind: JUnit, Allure and summary.json, a replay line, and never a key."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gatewatch.embedded import simulator_process
from gatewatch.simulator import Simulator
from tests.suite.conftest import run_suite

SENTINEL = "sentinel-key-7d3f9a2b"
SENTINEL_B = "sentinel-second-c41e8f"


@pytest.mark.slow
def test_a_failing_run_reports_everything_and_leaks_no_key(tmp_path: Path) -> None:
    # A broken gateway, so every kind of failure output (curl lines, attachments, JUnit
    # failure text) is produced; keys are sentinels the simulator accepts via its env.
    keys = {"SIM_KEYS": f"{SENTINEL}=A,{SENTINEL_B}=B"}
    args = ["--defect", "status_lowercase", "--defect", "tenant_leak_single", "--api-key-env", "SIM_KEYS"]
    with simulator_process(args, env=keys) as sim:
        run = run_suite(
            tmp_path / "reports",
            "--base-url",
            sim.base_url,
            "--seed",
            "7",
            env={"GATEWATCH_API_KEY": SENTINEL, "GATEWATCH_SECOND_API_KEY": SENTINEL_B},
        )
    assert run.exit_code == 1, run.output[-2000:]
    assert {"status_in_enum", "company_scoped"} <= run.rules("failed")

    files = [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"junit.xml", "summary.json", "environment.properties"} <= names
    assert any(p.suffix == ".json" and "result" in p.name for p in files), "allure results"
    texts = {p: p.read_text(errors="replace") for p in files}
    for secret in (SENTINEL, SENTINEL_B):
        assert secret not in run.output
        leaked = [str(p) for p, text in texts.items() if secret in text]
        assert leaked == []
    assert "Bearer ***" in "".join(texts.values())
    assert "Bearer ***" in run.output

    junit = ET.parse(tmp_path / "reports" / "junit.xml").getroot()
    assert int(junit.find("testsuite").get("failures")) > 0  # type: ignore[union-attr]
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text())
    rule = summary["rules"]["status_in_enum"]
    assert rule["provenance"] == "documented" and rule["status"] == "failed"
    assert rule["reproduce"][0].startswith("curl ")
    assert summary["replay"] == f"gatewatch contract --base-url {sim.base_url} --seed 7"
    assert "gatewatch: seed 7" in run.output
    steps = "".join(t for p, t in texts.items() if p.name.endswith("-result.json"))
    assert '"name": "channel"' in steps and "status_in_enum" in steps


@pytest.mark.slow
def test_with_no_target_it_starts_the_simulator_and_passes(tmp_path: Path) -> None:
    run = run_suite(tmp_path, env={})
    assert run.exit_code == 0, run.output[-2000:]
    assert run.summary["target"]["name"] == "local"
    assert run.rules("failed") == set()


def test_an_unreachable_target_exits_3(tmp_path: Path) -> None:
    run = run_suite(tmp_path, "--base-url", "http://127.0.0.1:9/api")
    assert run.exit_code == 3, run.output[-2000:]
    assert "unreachable" in run.output and "Traceback" not in run.output


def test_a_bad_targets_file_exits_2_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "targets.toml"
    config.write_text("[targets.staging]\nkind = 'staging'\n")
    run = run_suite(tmp_path / "r", "--config", str(config), "--target", "staging")
    assert run.exit_code == 2
    assert "targets.staging.base_url" in run.output and "Traceback" not in run.output


def test_a_production_target_is_read_only_without_the_opt_in(tmp_path: Path) -> None:
    with Simulator() as sim:
        config = tmp_path / "targets.toml"
        config.write_text(f"[targets.prod]\nkind = 'production'\nbase_url = '{sim.base_url}'\n")
        run = run_suite(tmp_path / "r", "--config", str(config), "--target", "prod")
        sent = len(sim.app.store)
    assert run.exit_code == 0, run.output[-3000:]
    assert sent == 0, "nothing may be sent to production without --allow-production"
    rules = run.summary["rules"]
    assert rules["send_accepted"]["status"] == "skipped"
    assert "read-only" in rules["send_accepted"]["reason"]
    assert rules["unknown_id_not_found"]["status"] == "passed"


def test_without_a_second_key_isolation_rules_are_skipped_and_say_why(tmp_path: Path) -> None:
    with simulator_process() as sim:
        run = run_suite(
            tmp_path,
            "--base-url",
            sim.base_url,
            "-k",
            "company or batch_does_not",
            env={"GATEWATCH_API_KEY": "key-a", "GATEWATCH_SECOND_API_KEY": ""},
        )
    assert run.exit_code == 0, run.output[-2000:]
    for rule in ("company_scoped", "batch_scoped"):
        verdict = run.summary["rules"][rule]
        assert verdict["status"] == "skipped"
        assert "GATEWATCH_SECOND_API_KEY" in verdict["reason"]


@pytest.mark.slow
def test_transient_500s_are_retried_counted_and_allowed(tmp_path: Path) -> None:
    # The fault answers 500 to one request in 20; its retry is another request, so it passes.
    with simulator_process(["--error-rate", "0.05"]) as sim:
        run = run_suite(tmp_path, "--base-url", sim.base_url, "--seed", "3")
    assert run.exit_code == 0, run.output[-3000:]
    assert run.summary["server_errors"] > 0
    assert run.summary["rules"]["server_error_retried"]["status"] == "passed"
    assert f"500s seen: {run.summary['server_errors']}" in run.output
