"""The send endpoints: valid bodies get an id, invalid ones 400, oversized 413, no key 401."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatewatch.checks import expect_bad_request, expect_send_accepted, expect_status, expect_unauthorized
from gatewatch.secrets import Secret
from gatewatch.suite import SuiteSession
from gatewatch.suite.strategies import invalid_send_bodies, send_bodies

BAD_KEY = Secret("gatewatch-not-a-valid-key")


@pytest.fixture
def sending(gw: SuiteSession, on_target: str) -> str:
    if not gw.may_send:
        pytest.skip("production target: read-only without --allow-production (no sends)")
    return on_target


@pytest.mark.gw_rules("send_accepted", "channel_in_enum", "echo_channel")
def test_valid_send_is_accepted_with_an_id(gw: SuiteSession, sending: str) -> None:
    # Text and extra fields come from the schema; the number is always a configured test
    # recipient, never a generated one: a real gateway would deliver to it.
    numbers = sorted(gw.target.recipients.values())

    # Extra fields must be ignored (gateway-api.md), so some bodies carry a few.
    extras = st.dictionaries(
        st.text(min_size=1, max_size=12).filter(lambda k: k not in ("to", "text")),
        st.one_of(st.none(), st.integers(), st.text(max_size=12), st.booleans()),
        max_size=3,
    )

    @given(body=send_bodies(gw.contract), to=st.sampled_from(numbers), extra=extras)
    @gw.bounded
    def check(body: dict[str, object], to: str, extra: dict[str, object]) -> None:
        exchange = gw.client.send(sending, to, str(body["text"]), extra=extra)
        gw.verify(exchange, expect_send_accepted(exchange, gw.contract), focus={"send_accepted"})

    check()


@pytest.mark.gw_rules("send_validation")
def test_invalid_send_body_is_400(gw: SuiteSession, sending: str) -> None:
    @given(body=invalid_send_bodies(gw.contract))
    @gw.bounded
    def check(body: bytes) -> None:
        exchange = gw.client.send_raw(sending, body)
        gw.verify(
            exchange,
            expect_bad_request(exchange, gw.contract, "send_validation", f"send body {body[:80]!r}"),
            focus={"send_validation"},
        )

    check()


@pytest.mark.gw_rules("send_validation")
def test_oversized_send_body_is_413(gw: SuiteSession, sending: str) -> None:
    number = next(iter(gw.target.recipients.values()))
    limit = gw.contract.send_body_max_bytes
    padding = "x" * (limit + 1)
    body = json.dumps({"to": number, "text": "gatewatch", "padding": padding}).encode()
    exchange = gw.client.send_raw(sending, body)
    gw.verify(
        exchange, expect_status(exchange, gw.contract, "send_validation", {413}, f"a {len(body)}-byte body")
    )


@pytest.mark.gw_rules("auth_required")
def test_send_needs_a_valid_key(gw: SuiteSession, sending: str) -> None:
    number = next(iter(gw.target.recipients.values()))
    exchange = gw.anonymous.send(sending, number, "gatewatch")
    gw.verify(exchange, expect_unauthorized(exchange, gw.contract, "a send with no key"))
    exchange = gw.client.send(sending, number, "gatewatch", api_key=BAD_KEY)
    gw.verify(exchange, expect_unauthorized(exchange, gw.contract, "a send with an unknown key"))
