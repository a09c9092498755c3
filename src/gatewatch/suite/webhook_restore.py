"""The account's one webhook registration, read first and put back after a test that changes it.

An account has one webhook, shared by every channel (and, in production, by whatever else
uses it), so a suite test that writes it reads the one it finds first (GET), and puts it
back when it ends: PUT back the URL it found, or DELETE the one it made. Against a
production target it is only read, unless the run says both --allow-production and
--replace-webhook. The registration tests and the delivery tests share this.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from gatewatch.checks import expect_status, registration_of
from gatewatch.contract.operations import Operation
from gatewatch.core.exchange import Exchange
from gatewatch.core.options.contract import ContractOptions
from gatewatch.suite.session import SuiteSession


def read_registration(gw: SuiteSession) -> Exchange:
    """GET the account's webhook, verified (200 with it, or 404 with none)."""
    exchange = gw.client.webhook(Operation.WEBHOOK_GET)
    codes = gw.contract.codes
    return gw.verify(
        exchange, expect_status(exchange, gw.contract, "webhook_get", {codes.ok, codes.not_found}, "GET")
    )


def read_only_reason(gw: SuiteSession) -> str | None:
    """Why this run may not write the account's webhook (production without both opt-ins), or None."""
    if gw.may_change_webhook:
        return None
    return (
        f"production target: its one webhook is only read without "
        f"{ContractOptions.flag_of('allow_production')} and {ContractOptions.flag_of('replace_webhook')}"
    )


def restore(gw: SuiteSession, original: dict[str, Any] | None) -> None:
    """Put the account's webhook back as it was found (the URL; a re-created one gets a new id)."""
    there = gw.client.webhook(Operation.WEBHOOK_GET).status == gw.contract.codes.ok
    if original is None:
        if there:
            gw.client.webhook(Operation.WEBHOOK_DELETE)
        return
    url = original.get(gw.contract.webhooks.registration.callback_url)
    gw.client.webhook(Operation.WEBHOOK_UPDATE if there else Operation.WEBHOOK_CREATE, url)


@contextmanager
def borrowed_registration(gw: SuiteSession) -> Iterator[dict[str, Any] | None]:
    """The registration the account had (None: none), put back when the block ends.

    Skips the test, with the reason, when the run may not write it; the GET comes first
    either way, so a read-only run still judges it.
    """
    before = read_registration(gw)
    reason = read_only_reason(gw)
    if reason is not None:
        pytest.skip(reason)
    original = registration_of(before) if before.status == gw.contract.codes.ok else None
    try:
        yield original
    finally:
        restore(gw, original)
