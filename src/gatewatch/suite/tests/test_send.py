"""The send endpoints: valid bodies get an id, invalid ones 400, oversized 413, no key 401.

Bodies that are not a JSON object at all are sent on every run and every channel.

Bodies come from the contract's send-request schema and field names, so each dialect
sends its own (`destination`/`body` or `to`/`text`). A target with `dry_run_sends` gets
the dry-run field on every send, and its answers are judged as dry runs.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatewatch.checks import expect_bad_request, expect_send_accepted, expect_status, expect_unauthorized
from gatewatch.core.secrets import Secret
from gatewatch.suite import SuiteSession
from gatewatch.suite.strategies import (
    invalid_destinations,
    invalid_send_bodies,
    malformed_send_bodies,
    send_bodies,
)

BAD_KEY = Secret("gatewatch-not-a-valid-key")


def _reserved(gw: SuiteSession) -> set[str]:
    """The send-request fields the client sets itself: generated extras must not touch them."""
    shape = gw.contract.send
    return {name for name in (shape.destination, shape.text, shape.sender, shape.dry_run) if name}


@pytest.mark.gw_rules("send_accepted", "channel_in_enum", "echo_channel")
@pytest.mark.gw_examples(1)
def test_valid_send_is_accepted_with_an_id(gw: SuiteSession, sending: str) -> None:
    # The body comes from the schema; the number is always a configured test recipient,
    # never a generated one (a real gateway would deliver to it), and the dry-run flag is
    # the target's, never a generated one.
    numbers = sorted(gw.target.recipients.values())
    if not numbers:
        pytest.skip(f"target {gw.target.name!r} configures no test recipients")
    shape = gw.contract.send
    reserved = _reserved(gw)

    # Extra fields must be ignored (gateway-api.md), so some bodies carry a few.
    extras = st.dictionaries(
        st.text(min_size=1, max_size=12).filter(lambda k: k not in reserved),
        st.one_of(st.none(), st.integers(), st.text(max_size=12), st.booleans()),
        max_size=3,
    )

    @gw.generated(cost=1)
    @given(body=send_bodies(gw.contract), to=st.sampled_from(numbers), extra=extras)
    @gw.bounded
    def check(body: dict[str, object], to: str, extra: dict[str, object]) -> None:
        drawn = {k: v for k, v in body.items() if k not in (shape.destination, shape.text, shape.dry_run)}
        exchange = gw.client.send(sending, to, str(body[shape.text]), extra={**extra, **drawn})
        gw.verify(
            exchange,
            expect_send_accepted(exchange, gw.contract, dry_run=gw.target.dry_run_sends),
            focus={"send_accepted"},
        )

    check()


@pytest.mark.gw_rules("send_validation")
@pytest.mark.gw_examples(1)
def test_invalid_send_body_is_400(gw: SuiteSession, sending: str, recipient: str) -> None:
    @gw.generated(cost=1)
    @given(body=invalid_send_bodies(gw.contract, recipient))
    @gw.bounded
    def check(body: bytes) -> None:
        exchange = gw.client.send_raw(sending, body)
        gw.verify(
            exchange,
            expect_bad_request(exchange, gw.contract, "send_validation", f"send body {body[:80]!r}"),
            focus={"send_validation"},
        )

    check()


@pytest.mark.gw_rules("send_validation", "server_error_retried")
def test_malformed_send_bodies_are_400(gw: SuiteSession, sending: str, recipient: str) -> None:
    # Every run, every channel: a short generated run may draw none of these. A 500 is
    # retried by the client; one that comes back on every retry fails server_error_retried too.
    for what, body in malformed_send_bodies(gw.contract, recipient):
        exchange = gw.client.send_raw(sending, body)
        gw.verify(
            exchange, expect_bad_request(exchange, gw.contract, "send_validation", f"{what} as a send body")
        )


@pytest.mark.gw_rules("send_validation")
def test_near_miss_destinations_are_400(gw: SuiteSession, sending: str, recipient: str) -> None:
    contract = gw.contract
    schema = contract.schema_file("send_request")
    for destination in invalid_destinations(recipient):
        body = gw.client.send_body(destination, "gatewatch")
        # Only the ones the contract's own schema refuses (a dialect may allow more).
        if not contract.schema_errors(schema, body):
            continue
        exchange = gw.client.send_raw(sending, json.dumps(body).encode())
        gw.verify(
            exchange,
            expect_bad_request(exchange, contract, "send_validation", f"destination {destination!r}"),
        )


@pytest.mark.gw_rules("send_validation")
def test_oversized_send_body_is_413(gw: SuiteSession, sending: str, recipient: str) -> None:
    limit = gw.contract.send.body_max_bytes
    body = gw.client.send_body(recipient, "gatewatch", {"gatewatch_padding": "x" * (limit + 1)})
    raw = json.dumps(body).encode()
    exchange = gw.client.send_raw(sending, raw)
    gw.verify(
        exchange,
        expect_status(
            exchange,
            gw.contract,
            "send_validation",
            {gw.contract.codes.payload_too_large},
            f"a {len(raw)}-byte body",
        ),
    )


@pytest.mark.gw_rules("auth_required")
def test_send_needs_a_valid_key(gw: SuiteSession, sending: str, recipient: str) -> None:
    exchange = gw.anonymous.send(sending, recipient, "gatewatch")
    gw.verify(exchange, expect_unauthorized(exchange, gw.contract, "a send with no key"))
    exchange = gw.client.send(sending, recipient, "gatewatch", api_key=BAD_KEY)
    gw.verify(exchange, expect_unauthorized(exchange, gw.contract, "a send with an unknown key"))
