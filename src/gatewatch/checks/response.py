"""Checks every answer must pass, whatever was asked: codes, content types, shapes, echoes.

Each function is one rule; which schema applies to which answer is read from the
OpenAPI document, not written here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from gatewatch.checks.registry import check
from gatewatch.contract import Contract
from gatewatch.exchange import Exchange

# Answers a server's HTTP layer may give before the application sees the request
# (gateway-api.md: "may get any 4xx, in any form"), so their form is not checked.
HTTP_LAYER_CODES = frozenset({414, 431})

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def response_schema_name(contract: Contract, operation: str, status: int) -> str | None:
    """The schema file (e.g. status-body.json) that `operation`'s `status` answer must match."""
    return contract.response_schemas.get((operation, status))


def _json(exchange: Exchange) -> Any:
    return exchange.response.json_or_none()


def status_bodies(exchange: Exchange) -> list[dict[str, Any]]:
    """The status bodies in a 200 lookup or batch answer (empty when there are none)."""
    if exchange.status != 200:
        return []
    body = _json(exchange)
    if exchange.operation == "lookup":
        return [body] if isinstance(body, dict) else []
    if exchange.operation == "batch" and isinstance(body, dict):
        entries = body.get("statuses")
        return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    return []


def _bodies_with_channel(exchange: Exchange, contract: Contract) -> list[dict[str, Any]]:
    """The bodies that carry a channel: status bodies, or a successful send's answer."""
    if exchange.operation == "send" and exchange.status in contract.send_success_codes:
        body = _json(exchange)
        return [body] if isinstance(body, dict) else []
    return status_bodies(exchange)


@check("status_code_allowed")
def status_code_is_documented(exchange: Exchange, contract: Contract) -> Iterator[str]:
    """The answer's code is one the operation may answer."""
    allowed = contract.response_codes[exchange.operation]
    if exchange.status not in allowed:
        yield f"status {exchange.status} is not one {exchange.operation} may answer ({sorted(allowed)})"


@check("server_error_retried")
def server_error_not_repeated(exchange: Exchange, contract: Contract) -> Iterator[str]:
    """A 500 is allowed once; one that is still there after every retry fails."""
    if exchange.status == 500:
        yield (
            f"500 repeated on {len(exchange.retried)} retr"
            f"{'y' if len(exchange.retried) == 1 else 'ies'}: the error is not transient"
        )


@check("content_type_json")
def content_type_is_json(exchange: Exchange, contract: Contract) -> Iterator[str]:
    """Answers with a body in the contract are served as application/json."""
    if exchange.status in HTTP_LAYER_CODES:
        return
    if response_schema_name(contract, exchange.operation, exchange.status) is None:
        return
    media = exchange.response.media_type
    if media != contract.json_content_type:
        yield f"Content-Type is {media!r}, expected {contract.json_content_type!r}"


@check("response_schema")
def body_matches_schema(exchange: Exchange, contract: Contract) -> Iterator[str]:
    """A success body matches its operation's schema."""
    schema = response_schema_name(contract, exchange.operation, exchange.status)
    if schema is None or exchange.status >= 400:
        return
    body = _json(exchange)
    if body is None:
        yield f"the {exchange.status} body is not JSON: {exchange.response.text(200)!r}"
        return
    for error in contract.schema_errors(schema, body):
        yield f"{schema}: {error}"


@check("error_body")
def error_body_matches_schema(exchange: Exchange, contract: Contract) -> Iterator[str]:
    """A 4xx or 5xx body is the error body."""
    if exchange.status < 400 or exchange.status in HTTP_LAYER_CODES:
        return
    schema = response_schema_name(contract, exchange.operation, exchange.status) or "error-body.json"
    body = _json(exchange)
    if body is None:
        yield f"the {exchange.status} body is not JSON: {exchange.response.text(200)!r}"
        return
    for error in contract.schema_errors(schema, body):
        yield f"{schema}: {error}"


@check("error_body")
def retried_errors_have_the_error_body(exchange: Exchange, contract: Contract) -> Iterator[str]:
    """Every 500 that was retried carried the error body too (it is allowed, not exempt)."""
    for attempt, answer in enumerate(exchange.retried, start=1):
        body = answer.json_or_none()
        problems = ["not JSON"] if body is None else contract.schema_errors("error-body.json", body)
        for problem in problems:
            yield f"the {answer.status} of attempt {attempt} (retried): {problem}"


@check("status_in_enum", on=("lookup", "batch"))
def status_is_documented(exchange: Exchange, contract: Contract) -> Iterator[str]:
    """DeliveryStato is one of the documented statuses."""
    for body in status_bodies(exchange):
        status = body.get("deliveryStato")
        if status not in contract.statuses:
            yield f"deliveryStato {status!r} is not one of {list(contract.statuses)}"


@check("channel_in_enum")
def channel_is_known(exchange: Exchange, contract: Contract) -> Iterator[str]:
    """The channel in a body is spelled exactly as one of the channels."""
    for body in _bodies_with_channel(exchange, contract):
        if "channel" in body and body["channel"] not in contract.channels:
            yield f"channel {body['channel']!r} is not one of {list(contract.channels)}"


@check("echo_id", on=("lookup", "batch"))
def id_is_echoed(exchange: Exchange, contract: Contract) -> Iterator[str]:
    """The body's customerMessageId is the id asked for, exactly."""
    bodies = status_bodies(exchange)
    if exchange.operation == "lookup":
        for body in bodies:
            if body.get("customerMessageId") != exchange.message_id:
                yield (
                    f"customerMessageId {body.get('customerMessageId')!r} "
                    f"!= requested {exchange.message_id!r}"
                )
        return
    requested = set(exchange.ids)
    for body in bodies:
        if body.get("customerMessageId") not in requested:
            yield f"statuses has {body.get('customerMessageId')!r}, which was not requested"


@check("echo_channel")
def channel_is_echoed(exchange: Exchange, contract: Contract) -> Iterator[str]:
    """The body's channel is the channel asked for, exactly."""
    for body in _bodies_with_channel(exchange, contract):
        if exchange.channel is not None and body.get("channel") != exchange.channel:
            yield f"channel {body.get('channel')!r} != requested {exchange.channel!r}"


@check("error_has_reason", on=("lookup", "batch"))
def error_carries_reason(exchange: Exchange, contract: Contract) -> Iterator[str]:
    """An ERROR status carries a non-empty reason."""
    for body in status_bodies(exchange):
        if body.get("deliveryStato") in contract.needs_reason:
            reason = body.get("deliveryStatoDescription")
            if not isinstance(reason, str) or not reason.strip():
                yield f"{body.get('deliveryStato')} with deliveryStatoDescription {reason!r}"


def parse_updated_at(value: object) -> datetime | None:
    """`value` as an aware datetime when it is an RFC 3339 date-time, else None."""
    if not isinstance(value, str) or not _RFC3339.match(value):
        return None
    try:
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None


@check("updated_at_utc", on=("lookup", "batch"))
def updated_at_is_utc(exchange: Exchange, contract: Contract) -> Iterator[str]:
    """UpdatedAt is an RFC 3339 date-time in UTC."""
    for body in status_bodies(exchange):
        value = body.get("updatedAt")
        parsed = parse_updated_at(value)
        if parsed is None:
            yield f"updatedAt {value!r} is not an RFC 3339 date-time"
        elif parsed.utcoffset() != timedelta(0):
            yield f"updatedAt {value!r} is not UTC (Z or +00:00)"


@check("batch_partition", on=("batch",))
def batch_lists_each_id_once(exchange: Exchange, contract: Contract) -> Iterator[str]:
    """Every distinct requested id is in exactly one of statuses and notFound, once."""
    if exchange.status != 200:
        return
    body = _json(exchange)
    if not isinstance(body, dict):
        return
    found = [e.get("customerMessageId") for e in status_bodies(exchange)]
    missing_list = body.get("notFound")
    not_found = list(missing_list) if isinstance(missing_list, list) else []
    listed = found + not_found
    for requested in dict.fromkeys(exchange.ids):
        count = listed.count(requested)
        if count == 0:
            yield f"{requested!r} is in neither statuses nor notFound"
        elif count > 1:
            yield f"{requested!r} is listed {count} times"
    extra = sorted({str(x) for x in listed} - set(exchange.ids))
    if extra:
        yield f"ids that were not requested: {extra[:5]}"
