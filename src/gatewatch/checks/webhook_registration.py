"""The webhook registration's rules: what each call should answer, given what the caller did before.

Registration is stateful (one webhook per account), so these are expectations: the suite
says what it asked and what it saw before, and each function judges one answer for one
rule. Field names and codes are the contract's (`contract.webhooks.registration`).
"""

from __future__ import annotations

from typing import Any

from gatewatch.checks.expect import expect_status
from gatewatch.checks.registry import Findings, violation
from gatewatch.contract import Contract
from gatewatch.core.exchange import Exchange


def registration_of(exchange: Exchange) -> dict[str, Any] | None:
    """The registration an answer carries (its JSON object), or None."""
    body = exchange.response.json_or_none()
    return body if isinstance(body, dict) else None


def _problem(contract: Contract, rule: str, message: str, exchange: Exchange, check: str) -> Findings:
    found = Findings([rule] if contract.enabled(rule) else [])
    if contract.enabled(rule):
        found.append(violation(contract, rule, message, exchange, check))
    return found


def expect_registration(
    exchange: Exchange,
    contract: Contract,
    rule: str,
    code: int,
    why: str,
    *,
    callback_url: str | None = None,
    same_as: dict[str, Any] | None = None,
) -> Findings:
    """`code` with the registration: ACTIVE, carrying `callback_url`, and `same_as`'s id when given."""
    found = expect_status(exchange, contract, rule, {code}, why)
    if found or not contract.enabled(rule):
        return found
    names = contract.webhooks.registration
    body = registration_of(exchange)
    if body is None:
        return _problem(
            contract, rule, f"{why}: the {code} carried no registration", exchange, "expect_registration"
        )
    wrong: list[str] = []
    if body.get(names.status) != names.active:
        wrong.append(f"{names.status} is {body.get(names.status)!r}, expected {names.active!r}")
    if callback_url is not None and body.get(names.callback_url) != callback_url:
        wrong.append(f"{names.callback_url} is {body.get(names.callback_url)!r}, expected {callback_url!r}")
    if same_as is not None and body.get(names.id) != same_as.get(names.id):
        wrong.append(
            f"{names.id} is {body.get(names.id)!r}, expected the registration's {same_as.get(names.id)!r}"
        )
    for problem in wrong:
        found.append(violation(contract, rule, f"{why}: {problem}", exchange, "expect_registration"))
    return found


def expect_unchanged(
    exchange: Exchange, contract: Contract, rule: str, before: dict[str, Any], why: str
) -> Findings:
    """A GET after a refused call shows the registration exactly as it was (`before`)."""
    names = contract.webhooks.registration
    return expect_registration(
        exchange,
        contract,
        rule,
        contract.codes.ok,
        why,
        callback_url=before.get(names.callback_url),
        same_as=before,
    )


def expect_no_webhook(exchange: Exchange, contract: Contract, rule: str, why: str) -> Findings:
    """With none configured, GET, PUT and DELETE are 404 (PUT creates nothing)."""
    return expect_status(exchange, contract, rule, {contract.codes.not_found}, why)


def expect_conflict(exchange: Exchange, contract: Contract) -> Findings:
    """A second POST is 409: one webhook per account."""
    return expect_status(
        exchange,
        contract,
        "webhook_one_per_account",
        {contract.codes.conflict},
        "a POST while a webhook is configured",
    )


def expect_deleted(exchange: Exchange, contract: Contract) -> Findings:
    """DELETE of the configured webhook is 204 with no body."""
    found = expect_status(
        exchange, contract, "webhook_delete", {contract.codes.no_content}, "DELETE of the configured webhook"
    )
    if found or not contract.enabled("webhook_delete") or not exchange.response.body:
        return found
    return _problem(
        contract,
        "webhook_delete",
        f"the {exchange.status} carried a body of {len(exchange.response.body)} bytes; it has none",
        exchange,
        "expect_deleted",
    )


def expect_refused_callback(exchange: Exchange, contract: Contract, why: str) -> Findings:
    """A missing, malformed or non-HTTPS callback URL is 400."""
    return expect_status(exchange, contract, "webhook_https_only", {contract.codes.bad_request}, why)
