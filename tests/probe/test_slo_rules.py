"""The SLO rules: generated from an SLO file, shipped up to date, and firing as intended (promtool)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from gatewatch.contract import default_contract
from gatewatch.core.errors import ConfigError
from gatewatch.core.options.probe_rules import SHIPPED_SLO
from gatewatch.probe.alert_rules import BURN_ALERTS, DEGRADED_ALERT, FAILING, STALE, generate
from gatewatch.probe.slo import load_slo, parse_slo

from .conftest import require_binary
from .test_alerts import SYNTHETIC, promtool

ROOT = Path(__file__).resolve().parents[2]
RULES = SYNTHETIC / "slo-rules.yml"
TESTS = ("slo-rules_test.yml", "slo-rules_long_test.yml")


def test_the_shipped_rules_are_generated_from_the_shipped_slo_file():
    slo = ROOT / SHIPPED_SLO
    expected = generate(load_slo(slo), default_contract(), slo_name=slo.name)
    assert RULES.read_text() == expected, "regenerate: gatewatch probe-rules --out synthetic/slo-rules.yml"


def test_promtool_accepts_the_slo_rules_without_lint_findings():
    result = promtool("check", "rules", RULES.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_slo_rules_fire_as_intended():
    result = promtool("test", "rules", *TESTS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_generated_alert_is_tested():
    names = re.findall(r"^  - alert: (\S+)$", RULES.read_text(), flags=re.MULTILINE)
    assert sorted(names) == sorted([*BURN_ALERTS.values(), FAILING, DEGRADED_ALERT, STALE])
    tests = "".join((SYNTHETIC / t).read_text() for t in TESTS)
    assert [n for n in names if f"alertname: {n}\n" not in tests] == []


def test_windows_and_holds_are_configuration():
    slo = parse_slo(
        {
            "schedule": "2s",
            "hold": "1s",
            "objectives": {"default": {"delivered": 0.9}},
            "burn_rates": {"page": {"for": "0s", "windows": [{"factor": 5, "long": "20s", "short": "4s"}]}},
        }
    )
    rules = generate(slo, default_contract(), slo_name="test.yaml")
    assert "gatewatch_probe:slo_burn_rate:avg20s > 5" in rules
    assert "avg_over_time(gatewatch_probe:run_delivered[4s])" in rules
    assert "GatewatchProbeBudgetBurnSlow" not in rules  # only the severities configured
    assert "[10s]" in rules  # flapping: 5 runs of 2s


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"objectives": {"default": {"delivered": 1}}}, "objectives.default.delivered"),
        ({"objectives": {"channels": {"SMS": {"on_time": "high"}}}}, "objectives.channels.SMS.on_time"),
        ({"schedule": "1.5s"}, "schedule"),
        ({"flapping": {"failures": 6, "runs": 5}}, "flapping"),
        ({"burn_rates": {"page": {"windows": [{"factor": 2, "long": "5m", "short": "1h"}]}}}, "windows[0]"),
        ({"burn_rates": {"urgent": {}}}, "burn_rates"),
        ({"objective": {}}, "(top)"),
    ],
)
def test_a_wrong_slo_file_is_one_config_error_naming_the_key(raw, key):
    with pytest.raises(ConfigError, match=re.escape(key)):
        parse_slo(raw)


def test_the_command_writes_the_rules_and_refuses_a_bad_file(tmp_path, capsys):
    from gatewatch.cli import main

    out = tmp_path / "rules.yml"
    with pytest.raises(SystemExit) as ok:
        main(["probe-rules", "--slo", str(ROOT / SHIPPED_SLO), "--out", str(out)])
    assert ok.value.code == 0
    assert out.read_text() == RULES.read_text()
    bad = tmp_path / "slo.yaml"
    bad.write_text("objectives: {default: {delivered: 2}}\n")
    capsys.readouterr()
    with pytest.raises(SystemExit) as refused:
        main(["probe-rules", "--slo", str(bad)])
    err = capsys.readouterr().err
    assert refused.value.code == 2
    assert err.count("\n") == 1 and "objectives.default.delivered" in err and "Traceback" not in err


def test_the_alertmanager_example_is_valid_and_routes_every_severity():
    example = SYNTHETIC / "alertmanager.yml.example"
    result = subprocess.run(
        [require_binary("amtool"), "check-config", str(example)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    severities = set(
        re.findall(r"severity: (\w+)", RULES.read_text() + (SYNTHETIC / "alerts.yml").read_text())
    )
    assert severities == {"page", "ticket"}
    assert all(f'severity="{s}"' in example.read_text() for s in severities)
