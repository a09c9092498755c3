"""The delivery-status webhook registration: every documented answer, one per account, precedence.

An account has one webhook, shared by every channel, so each test reads the one it
finds first (GET), works from a known state, and puts it back in a `finally` (PUT back
the URL it found, or DELETE the one it made). Against a production target the
registration is only read, unless the run says both --allow-production and
--replace-webhook. Every documented answer is asked once; the refused callbacks are
all tried unless a rate limit is configured, when a few are (the trial plan's budget).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from gatewatch.checks import (
    expect_conflict,
    expect_deleted,
    expect_no_webhook,
    expect_refused_callback,
    expect_registration,
    expect_status,
    expect_unauthorized,
    expect_unchanged,
    registration_of,
)
from gatewatch.contract.operations import Operation
from gatewatch.suite import SuiteSession
from gatewatch.suite.webhook_restore import borrowed_registration

CREATE, GET, UPDATE, DELETE = (
    Operation.WEBHOOK_CREATE,
    Operation.WEBHOOK_GET,
    Operation.WEBHOOK_UPDATE,
    Operation.WEBHOOK_DELETE,
)
# .invalid never resolves (RFC 2606): nothing is ever delivered to these.
FIRST_URL = "https://gatewatch.invalid/webhooks/first"
SECOND_URL = "https://gatewatch.invalid/webhooks/second"


#: Refused callbacks tried on each of POST and PUT under a rate limit.
LIMITED_REFUSALS = 2


def refused_bodies(gw: SuiteSession) -> list[tuple[str, bytes]]:
    """Bodies the gateway must refuse (400), with what is wrong: plain http first, then the others."""
    names = gw.contract.webhooks.registration
    rest = FIRST_URL.split("://", 1)[1]
    urls: list[object] = ["http://" + rest, None, "", 42, rest, f"{names.scheme}://", "ftp://" + rest]
    bodies = [(f"callback {url!r}", json.dumps({names.callback_url: url}).encode()) for url in urls]
    bodies += [("no callback", b"{}"), ("a body that is not JSON", b"{not json")]
    return bodies[:LIMITED_REFUSALS] if gw.rate_limited else bodies


@pytest.fixture
def found(gw: SuiteSession) -> Iterator[dict[str, Any] | None]:
    """The registration the account had (None: none), put back after the test."""
    with borrowed_registration(gw) as original:
        yield original


def _start_empty(gw: SuiteSession, found: dict[str, Any] | None) -> None:
    if found is not None:
        exchange = gw.client.webhook(DELETE)
        gw.verify(exchange, expect_deleted(exchange, gw.contract))


@pytest.mark.gw_rules(
    "webhook_register", "webhook_get", "webhook_one_per_account", "webhook_update", "webhook_delete"
)
def test_every_documented_answer_and_one_webhook_per_account(
    gw: SuiteSession, found: dict[str, Any] | None
) -> None:
    contract, codes = gw.contract, gw.contract.codes
    _start_empty(gw, found)
    # With none configured (the fixture's GET was the 404 of GET): PUT and DELETE are 404.
    exchange = gw.client.webhook(UPDATE, FIRST_URL)
    gw.verify(exchange, expect_no_webhook(exchange, contract, "webhook_update", "PUT with none configured"))
    exchange = gw.client.webhook(DELETE)
    gw.verify(
        exchange, expect_no_webhook(exchange, contract, "webhook_delete", "DELETE with none configured")
    )

    # The POST's 201 also shows the PUT created nothing.
    exchange = gw.client.webhook(CREATE, FIRST_URL)
    gw.verify(
        exchange,
        expect_registration(
            exchange, contract, "webhook_register", codes.created, "POST", callback_url=FIRST_URL
        ),
    )
    registered = registration_of(exchange) or {}
    exchange = gw.client.webhook(GET)
    gw.verify(exchange, expect_unchanged(exchange, contract, "webhook_get", registered, "GET after POST"))

    exchange = gw.client.webhook(CREATE, SECOND_URL)
    gw.verify(exchange, expect_conflict(exchange, contract))
    exchange = gw.client.webhook(GET)
    gw.verify(
        exchange,
        expect_unchanged(
            exchange, contract, "webhook_one_per_account", registered, "GET after a second POST"
        ),
    )

    exchange = gw.client.webhook(UPDATE, SECOND_URL)
    gw.verify(
        exchange,
        expect_registration(
            exchange, contract, "webhook_update", codes.ok, "PUT", callback_url=SECOND_URL, same_as=registered
        ),
    )

    exchange = gw.client.webhook(DELETE)
    gw.verify(exchange, expect_deleted(exchange, contract))
    exchange = gw.client.webhook(GET)
    gw.verify(exchange, expect_no_webhook(exchange, contract, "webhook_delete", "GET after DELETE"))


@pytest.mark.gw_rules("webhook_https_only")
def test_a_missing_malformed_or_plain_http_callback_is_400(
    gw: SuiteSession, found: dict[str, Any] | None
) -> None:
    contract = gw.contract
    _start_empty(gw, found)
    refused = refused_bodies(gw)
    for what, body in refused:
        exchange = gw.client.webhook(CREATE, raw_body=body)
        gw.verify(exchange, expect_refused_callback(exchange, contract, f"POST with {what}"))
    # A refused POST registered nothing: this one is 201, not 409.
    exchange = gw.client.webhook(CREATE, FIRST_URL)
    gw.verify(
        exchange,
        expect_registration(exchange, contract, "webhook_https_only", contract.codes.created, "POST"),
    )
    registered = registration_of(exchange) or {}
    for what, body in refused:
        exchange = gw.client.webhook(UPDATE, raw_body=body)
        gw.verify(exchange, expect_refused_callback(exchange, contract, f"PUT with {what}"))
    exchange = gw.client.webhook(GET)
    gw.verify(
        exchange,
        expect_unchanged(exchange, contract, "webhook_https_only", registered, "GET after refused PUTs"),
    )


@pytest.mark.gw_rules("auth_required", "error_precedence")
def test_no_key_is_401_before_a_bad_body_or_a_missing_webhook(gw: SuiteSession) -> None:
    contract = gw.contract
    operations = (CREATE, GET) if gw.rate_limited else (CREATE, GET, UPDATE, DELETE)
    for operation in operations:
        # No callback: a 400 if the key were read after the body (401 wins).
        exchange = gw.anonymous.webhook(operation, None)
        gw.verify(exchange, expect_unauthorized(exchange, contract, f"{operation} with no key"))
        gw.verify(
            exchange,
            expect_status(
                exchange,
                contract,
                "error_precedence",
                {contract.codes.unauthorized},
                f"{operation} with no key, no callback and no webhook (401 before 400 and 404)",
            ),
        )
