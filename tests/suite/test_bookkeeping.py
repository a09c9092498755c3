"""A rule counts as exercised only when a check judged an answer it applies to.

The unit tests feed a suite session recorded answers; the end-to-end test runs the
suite against a target whose targets file has no ERROR recipient and shows the
"every rule exercised" assertion fails on it: the bookkeeping can fail, so it is evidence.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatewatch.contract import default_contract
from gatewatch.core.config import Keys, local_target
from gatewatch.core.embedded import simulator_process
from gatewatch.core.exchange import Exchange, RecordedRequest, RecordedResponse
from gatewatch.core.secrets import Secret
from gatewatch.suite import ContractViolation, SuiteSession
from tests.suite.conftest import assert_every_rule_exercised, not_exercised, run_suite

CONTRACT = default_contract()
JSON = (("Content-Type", "application/json"),)


def _session() -> SuiteSession:
    # Nothing is sent: the session only judges the answers it is handed.
    target = local_target(CONTRACT, "http://127.0.0.1:9/api")
    return SuiteSession(
        contract=CONTRACT,
        target=target,
        keys=Keys(primary=Secret("key-a"), second=None),
        base_url="http://127.0.0.1:9/api",
    )


def _lookup(status: int, body: object, message_id: str = "m-1") -> Exchange:
    return Exchange(
        "lookup",
        RecordedRequest("GET", "http://127.0.0.1:9/api/x", (("X-Api-Key", "***"),)),
        RecordedResponse(status, JSON, json.dumps(body).encode(), 0.001),
        message_id=message_id,
        channel="SMS",
        keyed=True,
    )


def _status(status: str, description: str | None = None) -> dict[str, object]:
    return {"customerMessageId": "m-1", "deliveryStato": status, "deliveryStatoDescription": description}


def test_a_404_exercises_the_error_rules_and_no_body_rule() -> None:
    gw = _session()
    gw.verify(_lookup(404, {"status": 404, "error": "Not Found", "message": "no such message"}))
    exercised = set(gw.tally.exercised)
    assert {"status_code_allowed", "content_type_json", "error_body"} <= exercised
    assert exercised.isdisjoint(
        {"echo_id", "status_in_enum", "error_has_reason", "lifecycle_initial", "lifecycle_transition"}
    )
    assert "rate_limit_headers" not in exercised, "no rate limit configured: nothing judged it"


def test_tracker_rules_count_only_once_the_tracker_judged_them() -> None:
    gw = _session()
    gw.verify(_lookup(200, _status("SENT")))
    assert "lifecycle_initial" in gw.tally.exercised
    assert "lifecycle_transition" not in gw.tally.exercised, "one observation judges no move"
    assert "error_has_reason" not in gw.tally.exercised, "no ERROR seen"
    gw.verify(_lookup(200, _status("ERROR", "Carrier rejected the message")))
    assert {"lifecycle_transition", "error_has_reason"} <= set(gw.tally.exercised)
    assert "final_status_stable" not in gw.tally.exercised
    gw.verify(_lookup(200, _status("ERROR", "Carrier rejected the message")))
    assert "final_status_stable" in gw.tally.exercised


def test_a_broken_rule_is_exercised_and_failed() -> None:
    gw = _session()
    with pytest.raises(ContractViolation, match="error_has_reason"):
        gw.verify(_lookup(200, _status("ERROR", "")))
    assert gw.tally.violation_counts["error_has_reason"] == 1


def test_a_rule_switched_off_is_never_judged() -> None:
    contract = CONTRACT.without_rules(["echo_id"], "skipped with --skip-rule")
    gw = SuiteSession(
        contract=contract,
        target=local_target(contract, "http://127.0.0.1:9/api"),
        keys=Keys(primary=Secret("key-a"), second=None),
        base_url="http://127.0.0.1:9/api",
    )
    gw.verify(_lookup(200, {**_status("SENT"), "customerMessageId": "someone-else"}))
    assert "echo_id" not in gw.tally.exercised


@pytest.mark.slow
def test_a_run_without_an_error_recipient_leaves_error_has_reason_unexercised(tmp_path: Path) -> None:
    recipients = {o: n for o, n in local_target(CONTRACT).recipients.items() if o != "error"}
    with simulator_process(contract=CONTRACT) as sim:
        config = tmp_path / "targets.toml"
        lines = [f"[targets.noerror]\nkind = 'local'\nbase_url = '{sim.base_url}'\n"]
        lines += ["[targets.noerror.recipients]\n", *(f"{o} = '{n}'\n" for o, n in recipients.items())]
        config.write_text("".join(lines))
        run = run_suite(tmp_path / "r", "--config", str(config), "--target", "noerror", "--seed", "5")
    assert run.exit_code == 0, run.output[-3000:]
    missing = not_exercised(run)
    assert "error_has_reason" in missing, missing
    assert missing["error_has_reason"] == "not exercised by this run"
    with pytest.raises(AssertionError, match="error_has_reason"):
        assert_every_rule_exercised(run)


@pytest.mark.slow
def test_skipped_rules_say_why_and_where_they_come_from(tmp_path: Path) -> None:
    with simulator_process(["--defect", "echo_id_wrong"], contract=CONTRACT) as sim:
        run = run_suite(
            tmp_path, "--base-url", sim.base_url, "--skip-rule", "echo_id", "--seed", "6", "-k", "lookup"
        )
    assert run.exit_code == 0, run.output[-3000:]
    verdict = run.summary["rules"]["echo_id"]
    assert verdict == {**verdict, "status": "skipped", "reason": "skipped with --skip-rule", "checks": 0}
    assert run.summary["rules"]["auth_required"]["provenance"] == "vendor: the authentication guide"
    assert "SKIPPED  echo_id" in run.output and "skipped with --skip-rule" in run.output
    assert "--skip-rule echo_id" in run.summary["replay"]
    junit = (tmp_path / "junit.xml").read_text()
    assert 'name="rule:echo_id" value="skipped [pinned]: skipped with --skip-rule"' in junit
