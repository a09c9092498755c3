"""Single lookups of ids that exist: found on their channel, scoped by channel, company and key."""

from __future__ import annotations

import pytest
from hypothesis import given

from gatewatch.checks import (
    expect_bad_request,
    expect_found,
    expect_other_channel,
    expect_other_company,
    expect_send_accepted,
    expect_unauthorized,
    sent_id,
)
from gatewatch.core.config import KnownId
from gatewatch.core.secrets import Secret
from gatewatch.suite import SuiteSession
from gatewatch.suite.strategies import invalid_channels, wrong_case_channels

BAD_KEY = Secret("gatewatch-not-a-valid-key")


@pytest.mark.gw_rules("sent_id_found", "response_schema", "echo_id", "echo_channel", "status_in_enum")
def test_sent_id_is_found_on_its_channel(gw: SuiteSession, known: list[KnownId]) -> None:
    for message in known:
        exchange = gw.client.lookup(message.id, message.channel)
        gw.verify(exchange, expect_found(exchange, gw.contract))


@pytest.mark.gw_rules("channel_scoped")
def test_sent_id_is_404_on_every_other_channel(gw: SuiteSession, known: list[KnownId]) -> None:
    for message in known:
        for other in gw.contract.channels:
            if other != message.channel:
                exchange = gw.client.lookup(message.id, other)
                gw.verify(exchange, expect_other_channel(exchange, gw.contract))


@pytest.mark.gw_rules("company_scoped")
def test_other_company_cannot_read(
    gw: SuiteSession, known: list[KnownId], on_target: str, recipient: str
) -> None:
    if gw.second_client is None:
        gw.skip_rules(
            ["company_scoped", "batch_scoped"], "no second company's key (GATEWATCH_SECOND_API_KEY)"
        )
        pytest.skip("no second company's key: set GATEWATCH_SECOND_API_KEY to check tenant isolation")
    for message in known:
        exchange = gw.second_client.lookup(message.id, message.channel)
        gw.verify(exchange, expect_other_company(exchange, gw.contract))
    # The other way round needs the second company's message to exist: a dry run's id may
    # or may not be looked up, so its 404 would prove nothing.
    if gw.delivers:
        sent = gw.second_client.send(on_target, recipient, "gatewatch tenant isolation")
        gw.verify(sent, expect_send_accepted(sent, gw.contract, dry_run=False))
        theirs = sent_id(sent, gw.contract)
        assert theirs is not None
        exchange = gw.client.lookup(theirs, on_target)
        gw.verify(exchange, expect_other_company(exchange, gw.contract))


@pytest.mark.gw_rules("auth_required")
def test_lookup_needs_a_valid_key(gw: SuiteSession, some_id: KnownId) -> None:
    message = some_id
    exchange = gw.anonymous.lookup(message.id, message.channel)
    gw.verify(exchange, expect_unauthorized(exchange, gw.contract, "a lookup with no key"))
    exchange = gw.client.lookup(message.id, message.channel, api_key=BAD_KEY)
    gw.verify(exchange, expect_unauthorized(exchange, gw.contract, "a lookup with an unknown key"))


@pytest.mark.gw_rules("channel_param_validated")
def test_missing_or_wrong_case_channel_is_400(gw: SuiteSession, some_id: KnownId) -> None:
    message = some_id
    exchange = gw.client.lookup(message.id, None)
    gw.verify(exchange, expect_bad_request(exchange, gw.contract, "channel_param_validated", "no channel"))
    for variant in wrong_case_channels(gw.contract):
        exchange = gw.client.lookup(message.id, variant)
        gw.verify(
            exchange,
            expect_bad_request(exchange, gw.contract, "channel_param_validated", f"channel {variant!r}"),
        )


@pytest.mark.gw_rules("channel_param_validated")
@pytest.mark.gw_examples(1)
def test_invalid_channel_is_400(gw: SuiteSession, some_id: KnownId) -> None:
    message = some_id

    @gw.generated(cost=1)
    @given(bad=invalid_channels(gw.contract))
    @gw.bounded
    def check(bad: str) -> None:
        exchange = gw.client.lookup(message.id, bad)
        gw.verify(
            exchange,
            expect_bad_request(exchange, gw.contract, "channel_param_validated", f"channel {bad!r}"),
            focus={"channel_param_validated"},
        )

    check()
