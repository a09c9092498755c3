"""Decoding delivery webhooks by the contract's payload shapes, as tables (pure functions, no I/O)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from gatewatch.checks.webhook_deliveries import (
    PolledMessage,
    WebhookPolicy,
    WebhookRule,
    WebhookState,
    judge_webhooks,
)
from gatewatch.checks.webhook_payloads import (
    PayloadRule,
    decode_deliveries,
    decode_delivery,
    payload_channel,
    polled_message,
    rule_origin,
    shape_fields,
)
from gatewatch.contract import Contract, dialect_names, resolve_contract
from gatewatch.core.webhooks import Delivery

DIALECTS = dialect_names()
SHAPES = ("guide", "sms", "rcs", "legacy")
RECEIVED_AT = 50.0  # the receiver's monotonic clock
RECEIVED_WALL = 1_800_000_000.0
# Two seconds before the delivery arrived.
STAMP = datetime.fromtimestamp(RECEIVED_WALL - 2, tz=UTC).isoformat().replace("+00:00", "Z")
OWN_ID, GATEWAY_ID = "cm-1", "gw-1"


def with_default(dialect: str, shape: str) -> Contract:
    """The dialect's contract with `shape` as its default payload (rules.yaml webhooks.payloads.default)."""
    contract = resolve_contract(dialect)
    return replace(contract, webhooks=replace(contract.webhooks, default_payload=shape))


def payload(shape: str, *, code: int = 3, event: str = "DELIVERY", **more: Any) -> dict[str, Any]:
    """A delivery report as the page of `shape` shows it."""
    if shape == "legacy":
        words = {3: "DELIVERED", 6: "ERROR"}
        body: dict[str, Any] = {
            "messageId": GATEWAY_ID,
            "customerMessageId": OWN_ID,
            "phoneNumber": "+393331234567",
            "status": words.get(code, "UNKNOWN"),
            "timestamp": STAMP,
            "channel": "sms",
            "error": None,
        }
    elif shape == "sms":
        body = {
            "channel": "SMS",
            "eventType": event,
            "messageId": GATEWAY_ID,
            "statusCode": code,
            "statusDescription": "Delivered",
            "price": 0.05,
            "numPart": 1,
            "totalParts": 1,
            "timestamp": STAMP,
        }
    else:
        body = {
            "eventType": event,
            "messageId": GATEWAY_ID,
            "customerMessageId": OWN_ID,
            "destination": "+393331234567",
            "statusCode": code,
            "description": "Delivered",
            "channel": "SMS",
            "eventDate" if shape == "rcs" else "timestamp": STAMP,
        }
    body.update(more)
    return {k: v for k, v in body.items() if v is not ...}


def delivery(body: object, raw: bytes | None = None) -> Delivery:
    data = raw if raw is not None else json.dumps(body).encode()
    return Delivery(
        seq=0,
        received_at=RECEIVED_AT,
        received_wall=RECEIVED_WALL,
        path="/hook",
        headers=(),
        body=data,
        size=len(data),
        answered=200,
        parsed=body,
    )


def rules(found: list[Any]) -> list[str]:
    return [v.rule for v in found]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("shape", SHAPES)
def test_each_shape_as_the_default_decodes_without_a_violation(dialect: str, shape: str) -> None:
    decoded, found = decode_delivery(with_default(dialect, shape), delivery(payload(shape)))
    assert found == []
    assert decoded is not None
    # The SMS reference's shape has no customerMessageId: its id is the gateway's.
    assert decoded.message_id == (GATEWAY_ID if shape == "sms" else OWN_ID)
    assert decoded.event_type == "DELIVERY"
    assert decoded.statuses == {"DELIVERED"}
    assert decoded.received_at == RECEIVED_AT
    assert decoded.event_at == pytest.approx(RECEIVED_AT - 2)


# (default, the payload's shape, the shape the violation names; None: the default accepts it)
DRIFTS = [
    ("guide", "sms", "sms"),
    ("guide", "rcs", "rcs"),
    ("guide", "legacy", "legacy"),
    ("sms", "guide", None),  # a guide payload is a valid SMS-reference payload too
    ("sms", "rcs", "rcs"),
    ("sms", "legacy", "legacy"),
    ("rcs", "guide", "guide"),
    ("rcs", "sms", "sms"),
    ("rcs", "legacy", "legacy"),
    ("legacy", "guide", "guide"),
    ("legacy", "sms", "sms"),
    ("legacy", "rcs", "rcs"),
]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("default", "shape", "named"), DRIFTS)
def test_another_documented_shape_is_one_violation_naming_it_and_the_edit(
    dialect: str, default: str, shape: str, named: str | None
) -> None:
    contract = with_default(dialect, default)
    decoded, found = decode_delivery(contract, delivery(payload(shape, code=6)))
    # Read by the shape it came in: the older guide's word, the others' statusCode 6.
    assert decoded is not None
    assert decoded.statuses == ({"ERROR"} if shape == "legacy" else {"ERROR", "EXPIRED"})
    if named is None:
        assert found == []
        return
    came = contract.webhooks.payloads[named]
    assert [v.message for v in found] == [
        f"payload is in the {named} shape ({came.source}), the contract's default is {default}; "
        f"if the gateway sends that shape, set webhooks.payloads.default: {named} "
        f"in {contract.root / 'rules.yaml'}"
    ]
    assert rules(found) == [PayloadRule.SHAPE]


def test_the_drift_line_reads_as_the_issue_asks() -> None:
    contract = resolve_contract("vendor")
    _, found = decode_delivery(contract, delivery(payload("sms")))
    assert [v.headline() for v in found] == [
        "[webhook_payload_shape (vendor: the Qlara webhooks guide)] payload is in the sms shape "
        "(the SMS API reference), the contract's default is guide; if the gateway sends that "
        f"shape, set webhooks.payloads.default: sms in {contract.root / 'rules.yaml'}"
    ]


# (statusCode, the statuses it stands for, the rules broken)
CODES = [
    (3, {"DELIVERED"}, []),
    (6, {"ERROR", "EXPIRED"}, []),
    (4, set(), [PayloadRule.STATUS_CODE]),
    (0, set(), [PayloadRule.STATUS_CODE]),
]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("shape", ["guide", "sms", "rcs"])
@pytest.mark.parametrize(("code", "statuses", "broken"), CODES)
def test_each_status_code(
    dialect: str, shape: str, code: int, statuses: set[str], broken: list[PayloadRule]
) -> None:
    decoded, found = decode_delivery(with_default(dialect, shape), delivery(payload(shape, code=code)))
    assert decoded is not None and decoded.statuses == statuses
    assert rules(found) == broken
    if broken:
        assert (
            found[0].message
            == f"statusCode {code} is none the contract maps (3 = DELIVERED, 6 = ERROR or EXPIRED)"
        )
        assert found[0].provenance == "pinned"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("word", ["DELIVERED", "ERROR", "EXPIRED"])
def test_the_older_guides_status_word_is_the_status(dialect: str, word: str) -> None:
    contract = with_default(dialect, "legacy")
    decoded, found = decode_delivery(contract, delivery(payload("legacy", status=word)))
    assert found == [] and decoded is not None and decoded.statuses == {word}


# (shape, statusCode, status word, the statuses decoded, the rules broken)
WORDS = [
    ("legacy", 6, "DELIVERED", {"DELIVERED"}, [PayloadRule.STATUS_WORD]),
    ("legacy", 3, "DELIVERED", {"DELIVERED"}, []),
    ("legacy", 6, "EXPIRED", {"EXPIRED"}, []),
    ("guide", 3, "ERROR", {"DELIVERED"}, [PayloadRule.STATUS_WORD]),
    ("guide", 6, "ERROR", {"ERROR", "EXPIRED"}, []),
    ("legacy", 3, "SENT", {"SENT"}, [PayloadRule.STATUS_WORD, PayloadRule.STATUS_WORD]),
]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("shape", "code", "word", "statuses", "broken"), WORDS)
def test_a_status_word_beside_a_status_code_must_agree(
    dialect: str, shape: str, code: int, word: str, statuses: set[str], broken: list[PayloadRule]
) -> None:
    body = payload(shape, statusCode=code, status=word)
    decoded, found = decode_delivery(with_default(dialect, shape), delivery(body))
    assert decoded is not None and decoded.statuses == statuses
    assert rules(found) == broken
    if broken:
        stands = " or ".join(sorted(resolve_contract(dialect).webhooks.statuses_for(code)))
        assert found[0].message == f"status says {word}, but statusCode {code} stands for {stands}"
        assert found[0].provenance == "pinned"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("word", ["SENT", "RECEIVED", "UNKNOWN"])
def test_a_status_word_that_is_not_final_is_a_violation(dialect: str, word: str) -> None:
    decoded, found = decode_delivery(
        with_default(dialect, "legacy"), delivery(payload("legacy", status=word))
    )
    assert decoded is not None and decoded.statuses == {word}
    assert [(v.rule, v.message) for v in found] == [
        (PayloadRule.STATUS_WORD, f"status says {word}: delivery webhooks come for final statuses only")
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_read_event_names_no_status_and_is_matched_by_the_gateways_id(dialect: str) -> None:
    contract = resolve_contract(dialect)
    read = {"eventType": "READ", "messageId": GATEWAY_ID, "channel": "WHATSAPP", "timestamp": STAMP}
    decoded, found = decode_delivery(contract, delivery(read))
    assert found == [] and decoded is not None
    assert (decoded.event_type, decoded.statuses, decoded.message_id) == ("READ", frozenset(), GATEWAY_ID)
    translated, _ = decode_delivery(contract, delivery(read), known_ids={GATEWAY_ID: OWN_ID})
    assert translated is not None and translated.message_id == OWN_ID


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    "body",
    [
        {"eventType": "INBOUND", "messageId": GATEWAY_ID, "channel": "SMS", "timestamp": STAMP},
        {"eventType": "INBOUND", "text": "STOP"},  # a reply in no documented shape: still ignored
    ],
)
@pytest.mark.parametrize("default", SHAPES)
def test_an_inbound_event_is_ignored_without_a_violation(
    dialect: str, default: str, body: dict[str, Any]
) -> None:
    assert decode_delivery(with_default(dialect, default), delivery(body)) == (None, [])


# (the payload, a fragment each violation's message has, the message id decoded)
BROKEN = [
    (payload("guide", timestamp="yesterday"), ["timestamp: 'yesterday' is not a 'date-time'"], OWN_ID),
    (payload("guide", messageId=...), ["'messageId' is a required property"], OWN_ID),
    (
        payload("guide", messageId=..., customerMessageId=...),
        ["'messageId' is a required property", "'customerMessageId' is a required property"],
        None,
    ),
    (
        payload("guide", eventType="BOUNCE"),
        ["eventType 'BOUNCE' is none of ['DELIVERY', 'INBOUND', 'READ']"],
        OWN_ID,
    ),
]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("body", "says", "message_id"), BROKEN)
def test_a_broken_payload_is_reported_and_still_decoded(
    dialect: str, body: dict[str, Any], says: list[str], message_id: str | None
) -> None:
    decoded, found = decode_delivery(resolve_contract(dialect), delivery(body))
    assert rules(found) == [PayloadRule.SHAPE] * len(says)
    assert all(any(fragment in v.message for v in found) for fragment in says)
    assert decoded is not None and decoded.message_id == message_id


def test_a_bad_timestamp_leaves_no_time() -> None:
    decoded, _ = decode_delivery(
        resolve_contract("vendor"), delivery(payload("guide", timestamp="yesterday"))
    )
    assert decoded is not None and decoded.event_at is None


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("parsed", "raw", "says"),
    [
        (None, b"not json", "the payload is not JSON: 'not json'"),
        ([1, 2], b"[1, 2]", "the payload is a JSON list, not an object"),
    ],
)
def test_a_payload_that_is_not_a_json_object_is_one_violation(
    dialect: str, parsed: object, raw: bytes, says: str
) -> None:
    decoded, found = decode_delivery(resolve_contract(dialect), delivery(parsed, raw))
    assert decoded is None
    assert [(v.rule, v.message) for v in found] == [(PayloadRule.SHAPE, says)]


def test_rule_provenance_is_read_from_the_contract() -> None:
    contract = resolve_contract("vendor")
    assert rule_origin(contract, PayloadRule.SHAPE) == "vendor: the Qlara webhooks guide"
    assert (
        rule_origin(with_default("vendor", "legacy"), PayloadRule.SHAPE) == "vendor: the older webhooks guide"
    )
    assert rule_origin(contract, PayloadRule.STATUS_CODE) == "pinned"
    assert rule_origin(contract, PayloadRule.STATUS_WORD) == "pinned"


def test_decoded_deliveries_feed_the_verdicts() -> None:
    """A run's deliveries: the READ matched through the report's ids, the reply and the junk left out."""
    contract = resolve_contract("vendor")
    read = {"eventType": "READ", "messageId": GATEWAY_ID, "channel": "RCS", "timestamp": STAMP}
    reply = {"eventType": "INBOUND", "messageId": "gw-9", "channel": "SMS", "timestamp": STAMP}
    decoded, found = decode_deliveries(
        contract, [delivery(read), delivery(payload("guide")), delivery(reply), delivery(None, b"<html>")]
    )
    assert [(d.event_type, d.message_id) for d in decoded] == [("READ", OWN_ID), ("DELIVERY", OWN_ID)]
    assert rules(found) == [PayloadRule.SHAPE]
    policy = WebhookPolicy(
        deadline_s=10,
        delivery_events=frozenset({contract.webhooks.delivery_event}),
        ignored_events=contract.webhooks.ignored_events,
    )
    polled = PolledMessage(
        message_id=OWN_ID, last_status="DELIVERED", final_status="DELIVERED", final_at=45.0
    )
    verdict = judge_webhooks(contract, [polled], decoded, policy, now=60.0)
    assert verdict.count(WebhookState.ARRIVED) == 1 and verdict.findings == ()


# (the (answered at, status) pairs a poll saw, the last status, the final one and when first seen)
POLLS = [
    ([], None, None, None),
    ([(1.0, "SENT"), (2.0, "RECEIVED")], "RECEIVED", None, None),
    ([(1.0, "SENT"), (2.0, "DELIVERED"), (3.0, "DELIVERED")], "DELIVERED", "DELIVERED", 2.0),
    (
        [(1.0, "EXPIRED"), (4.0, "ERROR")],
        "ERROR",
        "EXPIRED",
        1.0,
    ),  # a final that moved: the tracker's business
]


@pytest.mark.parametrize(("observed", "last", "final", "final_at"), POLLS)
def test_a_polled_message_from_the_polls_answers(
    observed: list[tuple[float, str]], last: str | None, final: str | None, final_at: float | None
) -> None:
    polled = polled_message(resolve_contract("vendor"), OWN_ID, observed, simulation=True)
    assert (
        polled.message_id,
        polled.last_status,
        polled.final_status,
        polled.final_at,
        polled.simulation,
    ) == (
        OWN_ID,
        last,
        final,
        final_at,
        True,
    )


def test_every_webhook_rule_id_the_checks_use_is_in_rules_yaml() -> None:
    for dialect in dialect_names():
        rules = resolve_contract(dialect).rules
        for rule in (*PayloadRule, *WebhookRule):
            assert rules[rule].summary, (dialect, rule)


def test_a_payloads_channel_is_read_in_any_documented_shape_and_case() -> None:
    contract = resolve_contract("vendor")
    channel = contract.channels[0]
    names = {
        shape_name: shape_fields(contract, shape) for shape_name, shape in contract.webhooks.payloads.items()
    }
    fields = {name.get("channel") for name in names.values()} - {None}
    assert fields, "some shape names its channel"
    for field_name in fields:
        assert payload_channel(contract, {field_name: channel}) == channel
        assert payload_channel(contract, {field_name: channel.lower()}) == channel
        assert payload_channel(contract, {field_name: "PIGEON"}) is None
    assert payload_channel(contract, ["not", "an", "object"]) is None
