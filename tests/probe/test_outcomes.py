"""Outcomes: names, exit codes, and the final statuses they come from (via the contract)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gatewatch.contract import Recipient
from gatewatch.core.errors import ContractError, ExitCode
from gatewatch.probe.outcomes import VERDICTS, Outcome, check_contract, combined_exit_code, final_outcome


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
    }


@pytest.mark.parametrize("outcome", list(Outcome))
def test_exit_codes(outcome):
    # A refused key and a refused machine are configuration problems, not the target failing.
    expected = {Outcome.DELIVERED: 0, Outcome.UNREACHABLE: 3, Outcome.AUTH_FAILED: 2, Outcome.FORBIDDEN: 2}
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
