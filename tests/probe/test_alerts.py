"""The alerting rules in synthetic/: valid for promtool, and they fire when they should."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .conftest import require_binary

SYNTHETIC = Path(__file__).resolve().parents[2] / "synthetic"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_binary("promtool"), *args],
        cwd=SYNTHETIC,
        capture_output=True,
        text=True,
        timeout=120,  # the SLO tests evaluate days of rules
        check=False,
    )


def test_promtool_accepts_the_rules():
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_rules_fire_as_intended():
    result = promtool("test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_tested_and_uses_probe_metrics():
    rules = (SYNTHETIC / "alerts.yml").read_text()
    tests = (SYNTHETIC / "alerts_test.yml").read_text()
    names = [
        line.split(":", 1)[1].strip() for line in rules.splitlines() if line.strip().startswith("- alert:")
    ]
    # Failing (X of Y runs) and staleness moved to the generated slo-rules.yml (test_slo_rules.py).
    assert {"GatewatchProbeContractViolation", "GatewatchProbeForbidden"} <= set(names)
    untested = [n for n in names if f"alertname: {n}\n" not in tests]
    assert untested == []
