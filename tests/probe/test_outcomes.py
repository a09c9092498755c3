"""Outcomes: names, exit codes, and the final statuses they come from (via the contract)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gatewatch.checks import Violation
from gatewatch.checks.webhook_deliveries import WebhookFinding, WebhookRule, WebhookState
from gatewatch.contract import Recipient
from gatewatch.core.errors import ContractError, ExitCode
from gatewatch.probe.outcomes import (
    VERDICTS,
    Outcome,
    check_contract,
    combined_exit_code,
    decide,
    final_outcome,
)
from gatewatch.probe.webhooks import WebhookReport


def test_the_names_the_issue_lists():
    assert {o.value for o in VERDICTS} == {
        "delivered",
        "error",
        "expired",
        "stuck",
        "contract_violation",
        "send_failed",
        "auth_failed",
        "forbidden",
        "unreachable",
        # Issue 14: the second witness, the delivery webhooks.
        "webhook_lost",
        "webhook_contradicts",
        # Issue 15: delivered, but slower than the channel's degraded threshold.
        "degraded",
    }


@pytest.mark.parametrize("outcome", list(Outcome))
def test_exit_codes(outcome):
    # A refused key and a refused machine are configuration problems, not the target failing.
    expected = {
        Outcome.DELIVERED: 0,
        Outcome.DEGRADED: 0,  # it delivered: slow is not failed
        Outcome.UNREACHABLE: 3,
        Outcome.AUTH_FAILED: 2,
        Outcome.FORBIDDEN: 2,
    }
    expected = expected.get(outcome, 1)
    assert outcome.exit_code == expected


def test_final_statuses_map_through_the_contract(contract):
    for status in contract.final_statuses:
        assert contract.recipients[final_outcome(contract, status).value].final_status == status
    check_contract(contract)


def test_a_contract_with_an_unmapped_final_status_is_refused(contract):
    recipients = {k: v for k, v in contract.recipients.items() if k != "expired"}
    recipients["gone"] = Recipient("gone", "0009", ("SENT", "EXPIRED"))
    with pytest.raises(ContractError):
        check_contract(replace(contract, recipients=recipients))


@pytest.mark.parametrize(
    ("outcomes", "code"),
    [
        ([Outcome.DELIVERED, Outcome.DELIVERED], ExitCode.OK),
        ([Outcome.DELIVERED, Outcome.UNREACHABLE], ExitCode.UNREACHABLE),
        ([Outcome.STUCK, Outcome.UNREACHABLE], ExitCode.TARGET_FAILED),
        ([Outcome.STUCK, Outcome.FORBIDDEN], ExitCode.USAGE),
        ([Outcome.UNREACHABLE, Outcome.AUTH_FAILED], ExitCode.USAGE),
        ([], ExitCode.OK),
    ],
)
def test_combined_exit_code(outcomes, code):
    assert combined_exit_code(outcomes) == code


# -- both witnesses: the poll's outcome and the webhooks' observations ------------------


def _failing(rule: WebhookRule) -> WebhookFinding:
    return WebhookFinding(rule, "GW-1", f"{rule} detail", fails=True)


ARRIVED = WebhookReport(state=WebhookState.ARRIVED, deliveries=1, minus_poll_s=-0.1)
DUPLICATED = WebhookReport(state=WebhookState.ARRIVED, deliveries=3, duplicates=2, out_of_order=1)
WAITING = WebhookReport(state=WebhookState.WAITING)  # stopped while waiting: nothing judged yet
NOT_FINAL = WebhookReport(state=WebhookState.NOT_FINAL)
LOST = WebhookReport(state=WebhookState.LOST, failures=(_failing(WebhookRule.LOST),))
CONTRADICTS = WebhookReport(
    state=WebhookState.ARRIVED, deliveries=1, contradicting=1, failures=(_failing(WebhookRule.AGREES),)
)
FOR_SIMULATION = WebhookReport(
    state=WebhookState.NOT_EXPECTED, deliveries=1, failures=(_failing(WebhookRule.NOT_FOR_SIMULATION),)
)
# Lost (it came past the deadline) and contradicting at once.
LATE_AND_WRONG = WebhookReport(
    state=WebhookState.LOST,
    deliveries=1,
    contradicting=1,
    failures=(_failing(WebhookRule.LOST), _failing(WebhookRule.AGREES)),
)
BAD_PAYLOAD = WebhookReport(
    state=WebhookState.ARRIVED,
    deliveries=1,
    violations=(Violation("webhook_status_code", "vendor", "statusCode 9 is none the contract maps"),),
    failures=(_failing(WebhookRule.AGREES),),
)

# (the poll's outcome, the webhooks' observations) -> the run's outcome and exit code.
TABLE = [
    # No receiver: the poll alone, as before issue 14.
    (Outcome.DELIVERED, None, Outcome.DELIVERED, 0),
    (Outcome.ERROR, None, Outcome.ERROR, 1),
    (Outcome.EXPIRED, None, Outcome.EXPIRED, 1),
    # Both witnesses agree: the poll's final stands; duplicates and disorder never fail.
    (Outcome.DELIVERED, ARRIVED, Outcome.DELIVERED, 0),
    (Outcome.DELIVERED, DUPLICATED, Outcome.DELIVERED, 0),
    (Outcome.ERROR, ARRIVED, Outcome.ERROR, 1),
    (Outcome.EXPIRED, DUPLICATED, Outcome.EXPIRED, 1),
    # Stopped while waiting: not lost, the poll's outcome stands.
    (Outcome.DELIVERED, WAITING, Outcome.DELIVERED, 0),
    # The webhook failed while the poll saw final: the webhook outranks the final status.
    (Outcome.DELIVERED, LOST, Outcome.WEBHOOK_LOST, 1),
    (Outcome.EXPIRED, LOST, Outcome.WEBHOOK_LOST, 1),
    (Outcome.DELIVERED, CONTRADICTS, Outcome.WEBHOOK_CONTRADICTS, 1),
    (Outcome.ERROR, FOR_SIMULATION, Outcome.WEBHOOK_CONTRADICTS, 1),
    # Both webhook rules broken: a report of another status says more than its lateness.
    (Outcome.DELIVERED, LATE_AND_WRONG, Outcome.WEBHOOK_CONTRADICTS, 1),
    # A payload that breaks its own rules is a contract violation, before anything it says.
    (Outcome.DELIVERED, BAD_PAYLOAD, Outcome.CONTRACT_VIOLATION, 1),
    # Both paths failed: the poll's failure comes first (the webhook is judged after a final only).
    (Outcome.CONTRACT_VIOLATION, CONTRADICTS, Outcome.CONTRACT_VIOLATION, 1),
    (Outcome.STUCK, NOT_FINAL, Outcome.STUCK, 1),
    (Outcome.STUCK, CONTRADICTS, Outcome.STUCK, 1),
    (Outcome.UNREACHABLE, LOST, Outcome.UNREACHABLE, 3),
    (Outcome.AUTH_FAILED, LOST, Outcome.AUTH_FAILED, 2),
    (Outcome.FORBIDDEN, None, Outcome.FORBIDDEN, 2),
    (Outcome.SEND_FAILED, None, Outcome.SEND_FAILED, 1),
    (Outcome.INTERRUPTED, WAITING, Outcome.INTERRUPTED, 1),
    # The new outcomes are never the poll's own, but stand if handed over.
    (Outcome.WEBHOOK_LOST, None, Outcome.WEBHOOK_LOST, 1),
    (Outcome.WEBHOOK_CONTRADICTS, ARRIVED, Outcome.WEBHOOK_CONTRADICTS, 1),
]


@pytest.mark.parametrize(("poll", "webhooks", "expected", "code"), TABLE)
def test_the_outcome_of_both_witnesses(poll, webhooks, expected, code):
    outcome, reason = decide(poll, "the poll's reason", webhooks)
    assert outcome is expected
    assert int(outcome.exit_code) == code
    if outcome is poll:
        assert reason == "the poll's reason"
    else:  # the reason names the rule that decided it
        assert reason is not None and ("webhook_" in reason)


# (the poll's outcome, the webhooks, seconds to the final status, the degraded threshold)
# -> the run's outcome and exit code. Degraded is judged last, on a delivery both witnesses agree on.
DEGRADED_TABLE = [
    # Slower than the threshold: degraded, and still exit 0.
    (Outcome.DELIVERED, None, 3.0, 2.0, Outcome.DEGRADED, 0),
    (Outcome.DELIVERED, ARRIVED, 3.0, 2.0, Outcome.DEGRADED, 0),
    # At or under it: delivered.
    (Outcome.DELIVERED, None, 2.0, 2.0, Outcome.DELIVERED, 0),
    (Outcome.DELIVERED, None, 0.5, 2.0, Outcome.DELIVERED, 0),
    # No threshold, or no time known: never degraded.
    (Outcome.DELIVERED, None, 300.0, None, Outcome.DELIVERED, 0),
    (Outcome.DELIVERED, None, None, 2.0, Outcome.DELIVERED, 0),
    # A slow failure stays the failure; a webhook that failed outranks slowness.
    (Outcome.ERROR, None, 3.0, 2.0, Outcome.ERROR, 1),
    (Outcome.EXPIRED, None, 3.0, 2.0, Outcome.EXPIRED, 1),
    (Outcome.DELIVERED, LOST, 3.0, 2.0, Outcome.WEBHOOK_LOST, 1),
    (Outcome.DELIVERED, BAD_PAYLOAD, 3.0, 2.0, Outcome.CONTRACT_VIOLATION, 1),
    (Outcome.STUCK, NOT_FINAL, None, 2.0, Outcome.STUCK, 1),
]


@pytest.mark.parametrize(("poll", "webhooks", "took", "threshold", "expected", "code"), DEGRADED_TABLE)
def test_degraded_is_a_slow_delivery(poll, webhooks, took, threshold, expected, code):
    outcome, reason = decide(
        poll, "the poll's reason", webhooks, delivered_in_s=took, degraded_after_s=threshold
    )
    assert outcome is expected
    assert int(outcome.exit_code) == code
    if outcome is Outcome.DEGRADED:
        assert reason == f"delivered after {took:.2f} s, over the {threshold:g} s degraded threshold"


def test_the_table_covers_every_outcome():
    assert {row[2] for row in TABLE} | {row[4] for row in DEGRADED_TABLE} == set(Outcome)


# Which failures a confirming second probe may clear: the carrier's and the network's, never a
# broken rule (a fact about the answers) nor configuration (a refused key or machine).
CONFIRMABLE = {
    Outcome.ERROR,
    Outcome.EXPIRED,
    Outcome.STUCK,
    Outcome.WEBHOOK_LOST,
    Outcome.SEND_FAILED,
    Outcome.UNREACHABLE,
}


@pytest.mark.parametrize("outcome", list(Outcome))
def test_which_failures_a_second_probe_may_clear(outcome):
    assert outcome.confirmable is (outcome in CONFIRMABLE)
    assert not (outcome.confirmable and outcome.ok)


def test_degraded_is_ok_and_combines_as_delivered():
    assert Outcome.DEGRADED.ok
    assert combined_exit_code([Outcome.DEGRADED, Outcome.DELIVERED]) == ExitCode.OK
    assert combined_exit_code([Outcome.DEGRADED, Outcome.STUCK]) == ExitCode.TARGET_FAILED
