"""The suite's webhook registration rules on the page, from a real `gatewatch contract` run.

The run is the webhook tests only (`-k`), against a simulator whose DELETE answers 200
with a body, and without the HTTPS test: so one webhook rule fails, one is not tested
and the others pass, each shown with its provenance beside every other rule of the run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from gatewatch.contract import resolve_contract
from gatewatch.report import render_index
from gatewatch.report.model import RuleStatus
from gatewatch.simulator import Simulator, SimulatorConfig
from tests.report.test_page import section
from tests.suite.conftest import run_suite

DEFECT = "webhook_delete_200_with_body"
BROKEN = "webhook_delete"
UNTESTED = "webhook_https_only"  # its test is left out of the run
PASSING = ("webhook_register", "webhook_get", "webhook_update", "webhook_one_per_account")


def rule_row(contract_section: str, rule: str) -> list[str]:
    match = re.search(rf'<tr><th scope="row"><code>{rule}</code></th>(.*?)</tr>', contract_section, re.S)
    assert match, f"no row for {rule}"
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def test_webhook_registration_rules_show_with_the_others(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    config = SimulatorConfig(defects=(DEFECT,), allow_http_loopback_webhooks=True)
    with Simulator(config) as sim:
        run = run_suite(reports, "--base-url", sim.base_url, "-k", "webhook and not plain_http")
    assert run.exit_code == 1, run.output[-3000:]
    summary = json.loads((reports / "summary.json").read_text(encoding="utf-8"))["rules"]
    contract = section(render_index(reports), "contract")

    rules = resolve_contract("vendor").rules
    webhook_rules = sorted(r for r in rules if r.startswith("webhook_") and r in summary)
    assert {BROKEN, UNTESTED, *PASSING} <= set(webhook_rules)
    # Every rule of the run is in the one table, the webhook ones among the others.
    assert re.findall(r'<tr><th scope="row"><code>(\w+)</code>', contract) == list(summary)
    for rule in webhook_rules:
        provenance, status = rule_row(contract, rule)[:2]
        assert provenance == summary[rule]["provenance"] == rules[rule].origin, rule
        assert status.split(":")[0] in {s.value for s in RuleStatus}, rule
    assert rule_row(contract, BROKEN)[1] == "failed"
    assert rule_row(contract, UNTESTED)[1] == "not exercised"
    assert [rule_row(contract, rule)[1] for rule in PASSING] == ["passed"] * len(PASSING)
    # The failed one is detailed above the table, with its provenance.
    failed = contract.split("Failed rules", 1)[1].split("<h3>Rules", 1)[0]
    assert f'<code>{BROKEN}</code> <span class="provenance">{rules[BROKEN].origin}</span>' in failed
