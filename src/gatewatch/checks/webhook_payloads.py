"""A delivery webhook's payload, read by the contract's shapes: what `judge_webhooks` is given. No I/O.

The receiver keeps each POST as it came (`core.webhooks.Delivery`); the verdicts
(`checks.webhook_deliveries`) want a message id, an event type, the lookup statuses the
payload stands for and its own time. `decode_delivery` goes from one to the other and
reports what the payload itself breaks:

- `webhook_payload_shape`: the payload is not the dialect's default shape (a JSON Schema,
  validated as every body is). When it is another documented shape instead, one line says
  which, on which page, and the one edit that makes the contract expect it;
- `webhook_status_code`: a statusCode the contract's mapping does not know;
- `webhook_status_word`: a status word that disagrees with the statusCode beside it, or is
  not final (a DELIVERY webhook comes for final statuses only, pinned).

Every field is found by its `x-role` in the shape's schema, never by name; the statusCode
mapping and the event types are the contract's; each rule's provenance is its rules.yaml entry's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from gatewatch.checks.drift import schema_problems
from gatewatch.checks.registry import Violation
from gatewatch.checks.response import parse_updated_at
from gatewatch.checks.webhook_deliveries import DecodedDelivery, PolledMessage
from gatewatch.contract import Contract
from gatewatch.contract.shapes import roles
from gatewatch.contract.webhooks import PayloadRole, PayloadShape
from gatewatch.core.webhooks import Delivery

#: How much of a body a message quotes.
_SNIPPET = 160
#: The rules.yaml key that names the default shape (contract/webhooks.py reads it).
DEFAULT_PAYLOAD_KEY = "webhooks.payloads.default"


class PayloadRule(StrEnum):
    """The payload rules' ids (siblings of `WebhookRule`)."""

    SHAPE = "webhook_payload_shape"
    STATUS_CODE = "webhook_status_code"
    STATUS_WORD = "webhook_status_word"


def rule_origin(contract: Contract, rule: PayloadRule) -> str:
    """The provenance of `rule` as reports show it (`vendor: <page>`, `pinned`).

    Its rules.yaml entry's; the shape rule's is the page of the shape the dialect expects
    (webhooks.payloads), which a contract may switch.
    """
    if rule is PayloadRule.SHAPE:
        shape = contract.webhooks.default_shape
        vendor_page = shape.provenance == "vendor" and shape.source
        return f"vendor: {shape.source}" if vendor_page else shape.provenance
    return contract.rule(rule).origin


def _violation(contract: Contract, rule: PayloadRule, message: str) -> Violation:
    return Violation(rule, rule_origin(contract, rule), message, None, decode_delivery.__name__)


def shape_fields(contract: Contract, shape: PayloadShape) -> dict[str, str]:
    """x-role -> field name in `shape`'s schema."""
    return roles(contract.schemas[shape.schema])


def _field(contract: Contract, shape: PayloadShape, role: PayloadRole) -> str | None:
    """`role`'s field in `shape`, else in the first documented shape that has it."""
    for candidate in (shape, *contract.webhooks.payloads.values()):
        name = shape_fields(contract, candidate).get(role)
        if name is not None:
            return name
    return None


def shape_drift(contract: Contract, came: PayloadShape) -> str:
    """The one-line diagnosis of a payload in the documented shape `came`, not the default."""
    default = contract.webhooks.default_payload
    page = f" ({came.source})" if came.source else ""
    return (
        f"payload is in the {came.name} shape{page}, the contract's default is {default}; "
        f"if the gateway sends that shape, set {DEFAULT_PAYLOAD_KEY}: {came.name} "
        f"in {contract.root / 'rules.yaml'}"
    )


def _shape_of(contract: Contract, body: Mapping[str, Any]) -> tuple[PayloadShape, list[str]]:
    """The shape to read `body` by, and why it is not the default shape (empty when it is)."""
    hooks = contract.webhooks
    default = hooks.default_shape
    problems = schema_problems(contract, default.schema, body)
    if not problems:
        return default, []
    for shape in hooks.payloads.values():
        if shape.name != default.name and not contract.schema_errors(shape.schema, body):
            return shape, [shape_drift(contract, shape)]
    return default, problems


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _message_id(
    contract: Contract, shape: PayloadShape, body: Mapping[str, Any], known_ids: Mapping[str, str]
) -> str | None:
    """The harness's id: the shape's customer id, else the gateway's id (translated when known)."""
    fields = shape_fields(contract, shape)
    own = _text(body.get(fields.get(PayloadRole.ID, "")))
    if own is not None:
        return own
    theirs = _text(body.get(fields.get(PayloadRole.MESSAGE_ID, "")))
    return known_ids.get(theirs, theirs) if theirs is not None else None


def _event_type(contract: Contract, shape: PayloadShape, body: Mapping[str, Any]) -> str | None:
    """The payload's event type; a shape without one (the older guide's) only reports deliveries."""
    name = shape_fields(contract, shape).get(PayloadRole.EVENT_TYPE)
    if name is None:
        return contract.webhooks.delivery_event
    value = body.get(name)
    return value if isinstance(value, str) else None


def _statuses(
    contract: Contract, shape: PayloadShape, body: Mapping[str, Any]
) -> tuple[frozenset[str], list[Violation]]:
    """The lookup statuses a delivery report stands for, and what its status fields break."""
    hooks = contract.webhooks
    code_field = _field(contract, shape, PayloadRole.STATUS_CODE)
    word_field = _field(contract, shape, PayloadRole.STATUS)
    code = body.get(code_field) if code_field else None
    word = body.get(word_field) if word_field else None
    found: list[Violation] = []
    by_code: frozenset[str] = frozenset()
    if isinstance(code, int) and not isinstance(code, bool):
        by_code = hooks.statuses_for(code)
        if not by_code:
            known = ", ".join(
                f"{c} = {' or '.join(sorted(s))}" for c, s in sorted(hooks.status_codes.items())
            )
            found.append(
                _violation(
                    contract,
                    PayloadRule.STATUS_CODE,
                    f"{code_field} {code} is none the contract maps ({known})",
                )
            )
    by_word = frozenset({word}) if isinstance(word, str) and word in contract.statuses else frozenset()
    if by_code and by_word and not by_word <= by_code:
        stands = " or ".join(sorted(by_code))
        message = f"{word_field} says {word}, but {code_field} {code} stands for {stands}"
        found.append(_violation(contract, PayloadRule.STATUS_WORD, message))
    if not all(contract.is_final(s) for s in by_word):
        message = f"{word_field} says {word}: delivery webhooks come for final statuses only"
        found.append(_violation(contract, PayloadRule.STATUS_WORD, message))
    # Where they disagree, the field the shape documents wins (the other is reported above).
    own_word = PayloadRole.STATUS in shape_fields(contract, shape)
    return ((by_word or by_code) if own_word else (by_code or by_word)), found


def _event_at(
    contract: Contract, shape: PayloadShape, body: Mapping[str, Any], delivery: Delivery, checked: bool
) -> tuple[float | None, list[Violation]]:
    """The payload's own time on the receiver's clock, and a violation when it is unreadable."""
    name = shape_fields(contract, shape).get(PayloadRole.TIMESTAMP)
    value = body.get(name) if name else None
    when: datetime | None = parse_updated_at(value)
    if when is not None:
        return delivery.received_at + (when.timestamp() - delivery.received_wall), []
    # A shape that validated with an unreadable time: the schema's format check let it by.
    if value is None or not checked:
        return None, []
    return None, [_violation(contract, PayloadRule.SHAPE, f"{name} {value!r} is not an RFC 3339 date-time")]


def _not_an_object(contract: Contract, delivery: Delivery) -> Violation:
    if delivery.parsed is None:
        text = delivery.body[:_SNIPPET].decode("utf-8", errors="replace")
        return _violation(contract, PayloadRule.SHAPE, f"the payload is not JSON: {text!r}")
    kind = type(delivery.parsed).__name__
    return _violation(contract, PayloadRule.SHAPE, f"the payload is a JSON {kind}, not an object")


def decode_delivery(
    contract: Contract, delivery: Delivery, *, known_ids: Mapping[str, str] | None = None
) -> tuple[DecodedDelivery | None, list[Violation]]:
    """One delivery decoded by the contract's payload shapes, and the payload rules it breaks.

    None when there is nothing to judge: an event type the contract ignores (INBOUND: no
    violation), or a body that is not a JSON object (one violation). A payload in another
    documented shape is read by that shape, after one violation saying so. `known_ids` maps
    the gateway's message ids to the harness's (for payloads that carry only the former).
    """
    body = delivery.parsed
    if not isinstance(body, dict):
        return None, [_not_an_object(contract, delivery)]
    hooks = contract.webhooks
    # Before the shape: a reply is out of scope in whichever shape it comes
    # (read by any shape's event type field: the older guide's shape has none).
    event_field = _field(contract, hooks.default_shape, PayloadRole.EVENT_TYPE)
    if event_field is not None and body.get(event_field) in hooks.ignored_events:
        return None, []
    shape, problems = _shape_of(contract, body)
    found = [_violation(contract, PayloadRule.SHAPE, problem) for problem in problems]
    event = _event_type(contract, shape, body)
    statuses: frozenset[str] = frozenset()
    if event == hooks.delivery_event:
        statuses, wrong = _statuses(contract, shape, body)
        found += wrong
    elif event != hooks.read_event:
        known = sorted({hooks.delivery_event, hooks.read_event, *hooks.ignored_events})
        name = _field(contract, shape, PayloadRole.EVENT_TYPE)
        found.append(_violation(contract, PayloadRule.SHAPE, f"{name} {event!r} is none of {known}"))
    event_at, unreadable = _event_at(contract, shape, body, delivery, checked=not problems)
    found += unreadable
    decoded = DecodedDelivery(
        message_id=_message_id(contract, shape, body, known_ids or {}),
        event_type=event,
        statuses=statuses,
        received_at=delivery.received_at,
        event_at=event_at,
        payload=body,
    )
    return decoded, found


def payload_channel(contract: Contract, body: object) -> str | None:
    """The contract's channel a payload names, in any documented shape (the older guide's is lower-case)."""
    if not isinstance(body, dict):
        return None
    by_folded = {channel.casefold(): channel for channel in contract.channels}
    for shape in contract.webhooks.payloads.values():
        value = body.get(shape_fields(contract, shape).get(PayloadRole.CHANNEL, ""))
        if isinstance(value, str) and value.casefold() in by_folded:
            return by_folded[value.casefold()]
    return None


def known_message_ids(contract: Contract, deliveries: Iterable[Delivery]) -> dict[str, str]:
    """The gateway's message id -> the harness's, learnt from payloads that carry both.

    READ events and the SMS reference's shape name only the gateway's id; a delivery report
    of the same message in the guide's shape names both.
    """
    learnt: dict[str, str] = {}
    for delivery in deliveries:
        body = delivery.parsed
        if not isinstance(body, dict):
            continue
        for shape in contract.webhooks.payloads.values():
            fields = shape_fields(contract, shape)
            own = _text(body.get(fields.get(PayloadRole.ID, "")))
            theirs = _text(body.get(fields.get(PayloadRole.MESSAGE_ID, "")))
            if own is not None and theirs is not None:
                learnt.setdefault(theirs, own)
                break
    return learnt


def decode_each(
    contract: Contract, deliveries: Iterable[Delivery]
) -> Iterator[tuple[DecodedDelivery | None, list[Violation]]]:
    """Each delivery decoded with the ids every payload teaches (`known_message_ids`), in order."""
    kept = list(deliveries)
    ids = known_message_ids(contract, kept)
    for delivery in kept:
        yield decode_delivery(contract, delivery, known_ids=ids)


def decode_deliveries(
    contract: Contract, deliveries: Iterable[Delivery]
) -> tuple[list[DecodedDelivery], list[Violation]]:
    """Every delivery decoded (the ignored and unreadable left out), and every payload violation."""
    decoded: list[DecodedDelivery] = []
    found: list[Violation] = []
    for one, wrong in decode_each(contract, deliveries):
        if one is not None:
            decoded.append(one)
        found += wrong
    return decoded, found


def polled_message(
    contract: Contract,
    message_id: str,
    observed: Iterable[tuple[float, str]],
    *,
    simulation: bool = False,
) -> PolledMessage:
    """A message as its lookups saw it, from (answered at, status) pairs in poll order.

    The final status is the first final one seen, at the time of the answer that showed it
    (the probe's Timeline and the suite's polls both have those pairs; the tracker keeps no times).
    """
    last: str | None = None
    final: tuple[str, float] | None = None
    for at, status in observed:
        last = status
        if final is None and contract.is_final(status):
            final = (status, at)
    return PolledMessage(
        message_id=message_id,
        last_status=last,
        final_status=final[0] if final else None,
        final_at=final[1] if final else None,
        simulation=simulation,
    )
