"""What a run leaves behind: JUnit, Allure and summary.json, a replay line, and never a key.

Also how a run ends before its first test: a refused key or machine (exit 2), nothing
answering (exit 3), a bad targets file (exit 2): one `gatewatch: ...` line, no traceback,
no pytest internals.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gatewatch.contract import resolve_contract
from gatewatch.core.embedded import simulator_process
from gatewatch.simulator import Simulator
from gatewatch.suite.locate import suite_dir
from tests.stubs import Scripted, StubServer
from tests.suite.conftest import RATE_LIMIT_RULES, run_suite

SENTINEL = "sentinel-key-7d3f9a2b"
SENTINEL_B = "sentinel-second-c41e8f"
# What pytest or Python print when a run ends badly; none of it may reach the console.
INTERNALS = ("Traceback", "_pytest", "outcomes.Exit", "!!!!", "INTERNALERROR")


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["vendor", "strict"])
def test_a_failing_run_reports_everything_and_leaks_no_key(tmp_path: Path, dialect: str) -> None:
    # A broken gateway, so every kind of failure output (curl lines, attachments, JUnit
    # failure text) is produced; keys are sentinels the simulator accepts via its env.
    contract = resolve_contract(dialect)
    keys = {"SIM_KEYS": f"{SENTINEL}=A,{SENTINEL_B}=B"}
    args = ["--defect", "status_lowercase", "--defect", "tenant_leak_single", "--keys-env", "SIM_KEYS"]
    with simulator_process(args, env=keys, contract=contract) as sim:
        run = run_suite(
            tmp_path / "reports",
            "--base-url",
            sim.base_url,
            "--contracts",
            dialect,
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
    # The key's header as the dialect sends it (X-Api-Key: *** or Authorization: Bearer ***).
    redacted = f"{contract.auth.header}: {contract.auth.value('***')}"
    assert redacted in "".join(texts.values())
    assert redacted in run.output

    junit = ET.parse(tmp_path / "reports" / "junit.xml").getroot()
    assert int(junit.find("testsuite").get("failures")) > 0  # type: ignore[union-attr]
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text())
    rule = summary["rules"]["status_in_enum"]
    assert rule["provenance"] == contract.rule("status_in_enum").origin and rule["status"] == "failed"
    assert rule["reproduce"][0].startswith("curl ")
    assert summary["replay"] == f"gatewatch contract --base-url {sim.base_url} --contracts {dialect} --seed 7"
    assert summary["dialect"] == dialect
    assert "gatewatch: seed 7" in run.output
    steps = "".join(t for p, t in texts.items() if p.name.endswith("-result.json"))
    assert f'"name": "{contract.channel_param}"' in steps and "status_in_enum" in steps


@pytest.mark.slow
def test_with_no_target_it_starts_the_simulator_and_passes(tmp_path: Path) -> None:
    run = run_suite(tmp_path, env={})
    assert run.exit_code == 0, run.output[-2000:]
    assert run.summary["target"]["name"] == "local"
    assert run.rules("failed") == set()


@pytest.mark.slow
def test_the_embedded_simulator_enforces_the_runs_rate_limit(tmp_path: Path) -> None:
    run = run_suite(tmp_path, "--rate-limit", "6000/min,100/s", "-k", "rate_limit or unknown_ids", env={})
    assert run.exit_code == 0, run.output[-3000:]
    assert run.summary["target"]["rate_limit"] == "6000/min,100/s"
    for rule in RATE_LIMIT_RULES:
        assert run.summary["rules"][rule]["status"] == "passed", (rule, run.summary["rules"][rule])
    throttled = run.summary["throttled"]
    assert throttled["count"] > 0, "the burst got 429s from the embedded simulator"
    assert f"429s seen: {throttled['count']}" in run.output


def test_an_unreachable_target_exits_3(tmp_path: Path) -> None:
    run = run_suite(tmp_path, "--base-url", "http://127.0.0.1:9/api")
    assert run.exit_code == 3, run.output[-2000:]
    assert "gatewatch: target unreachable" in run.output
    assert not any(marker in run.output for marker in INTERNALS), run.output


def test_a_refused_key_exits_2_in_one_line(tmp_path: Path) -> None:
    with Simulator() as sim:
        run = run_suite(tmp_path, "--base-url", sim.base_url, env={"GATEWATCH_API_KEY": "not-a-key"})
    assert run.exit_code == 2, run.output[-2000:]
    lines = [line for line in run.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(
        "gatewatch: the target refused the key in $GATEWATCH_API_KEY"
    )
    assert "X-Api-Key: ***" in lines[0] and "not-a-key" not in run.output


def test_a_refused_key_ends_a_plain_pytest_run_with_exit_2(tmp_path: Path) -> None:
    with Simulator() as sim:
        proc = subprocess.run(
            [
                *(sys.executable, "-m", "pytest", str(suite_dir()), "-p", "no:cacheprovider", "-q"),
                *("--gatewatch-base-url", sim.base_url, "--gatewatch-reports-dir", str(tmp_path)),
                *("--rootdir", str(suite_dir())),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "GATEWATCH_API_KEY": "not-a-key"},
            check=False,
        )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output[-2000:]
    assert "gatewatch: the target refused the key" in output
    assert " passed" not in output and " failed" not in output and " error" not in output, output
    assert not any(marker in output for marker in INTERNALS), output


def test_a_machine_outside_the_allow_list_exits_2(tmp_path: Path, stub: StubServer) -> None:
    stub.script = [Scripted(403, {"status": 403, "error": "Forbidden", "message": "IP not allowed"})]
    run = run_suite(tmp_path, "--base-url", stub.base_url)
    assert run.exit_code == 2, run.output[-2000:]
    assert "this machine is not allowed" in run.output
    assert not any(marker in run.output for marker in INTERNALS), run.output


def test_a_bad_targets_file_exits_2_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "targets.toml"
    config.write_text("[targets.staging]\nkind = 'staging'\n")
    run = run_suite(tmp_path / "r", "--config", str(config), "--target", "staging")
    assert run.exit_code == 2
    assert "targets.staging.base_url" in run.output
    assert not any(marker in run.output for marker in INTERNALS), run.output


def test_a_production_target_is_read_only_without_the_opt_in(tmp_path: Path) -> None:
    with Simulator() as sim:
        config = tmp_path / "targets.toml"
        config.write_text(
            f"[targets.prod]\nkind = 'production'\nbase_url = '{sim.base_url}'\nrate_limit = 'none'\n"
        )
        run = run_suite(tmp_path / "r", "--config", str(config), "--target", "prod")
        sent = len(sim.app.store)
    assert run.exit_code == 0, run.output[-3000:]
    assert sent == 0, "nothing may be sent to production without --allow-production"
    rules = run.summary["rules"]
    assert rules["send_accepted"]["status"] == "skipped"
    assert "read-only" in rules["send_accepted"]["reason"]
    assert rules["unknown_id_not_found"]["status"] == "passed"


@pytest.mark.slow
def test_dry_run_sends_are_validated_but_not_expected_to_be_found(tmp_path: Path) -> None:
    contract = resolve_contract("vendor")
    with Simulator() as sim:
        config = tmp_path / "targets.toml"
        config.write_text(
            f"[targets.dry]\nkind = 'staging'\nbase_url = '{sim.base_url}'\nrate_limit = 'none'\n"
            "dry_run_sends = true\nretry_delays_s = [0.05]\n"
        )
        run = run_suite(tmp_path / "r", "--config", str(config), "--target", "dry", "--seed", "8")
        stored = len(sim.app.store)
    assert run.exit_code == 0, run.output[-3000:]
    assert stored == 0, "every send asked for a dry run, so nothing was stored"
    rules = run.summary["rules"]
    assert rules["send_accepted"]["status"] == "passed"
    assert rules["send_validation"]["status"] == "passed"
    for rule in ("sent_id_found", "recipient_outcome", "lifecycle_transition"):
        assert rules[rule]["status"] == "skipped", (rule, rules[rule])
        assert rules[rule]["reason"].startswith("dry-run sends: nothing is delivered, so"), rules[rule]
    allure = "".join(p.read_text() for p in (tmp_path / "r" / "allure-results").glob("*-attachment*"))
    assert f'\\"{contract.send.dry_run}\\": true' in allure or f'"{contract.send.dry_run}": true' in allure


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
