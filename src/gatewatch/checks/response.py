"""Checks every answer must pass, whatever was asked: codes, content types, shapes, echoes.

Each function is one rule; which schema applies to which answer, and every field name,
is read from the contract, not written here. A check returns None when its rule does
not apply to the answer, so only answers it judged count as exercising the rule.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from gatewatch.checks.drift import schema_problems
from gatewatch.checks.registry import check
from gatewatch.contract import Contract
from gatewatch.contract.operations import Operation
from gatewatch.core.exchange import Exchange, RecordedResponse

# How much of a body a message quotes.
_SNIPPET = 160
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def response_schema_name(contract: Contract, operation: str, status: int) -> str | None:
    """The schema file (e.g. status-body.json) that `operation`'s `status` answer must match."""
    return contract.response_schemas.get((operation, status))


def _json(exchange: Exchange) -> Any:
    return exchange.response.json_or_none()


def batch_entries(body: object, contract: Contract) -> list[dict[str, Any]] | None:
    """The status entries of a batch body, or None when the body is not the batch shape."""
    entries = (
        body
        if contract.batch.array
        else (body.get(contract.batch.statuses or "") if isinstance(body, dict) else None)
    )
    if not isinstance(entries, list):
        return None
    return [e for e in entries if isinstance(e, dict)]


def status_bodies(exchange: Exchange, contract: Contract) -> list[dict[str, Any]]:
    """The status bodies in a 200 lookup or batch answer (empty when there are none)."""
    if exchange.status != contract.codes.ok:
        return []
    body = _json(exchange)
    if exchange.operation == Operation.LOOKUP:
        return [body] if isinstance(body, dict) else []
    if exchange.operation == Operation.BATCH:
        return batch_entries(body, contract) or []
    return []


def _bodies_with_channel(exchange: Exchange, contract: Contract) -> list[dict[str, Any]]:
    """The bodies that may carry a channel: status bodies, or a successful send's answer."""
    if exchange.operation == Operation.SEND and exchange.status in contract.send.success_codes:
        body = _json(exchange)
        return [body] if isinstance(body, dict) else []
    return status_bodies(exchange, contract)


def _channel_field(exchange: Exchange, contract: Contract) -> str | None:
    return contract.send.channel if exchange.operation == Operation.SEND else contract.fields.channel


def _http_layer(exchange: Exchange, contract: Contract) -> bool:
    return exchange.status in contract.http_layer_codes


@check("status_code_allowed")
def status_code_is_documented(exchange: Exchange, contract: Contract) -> list[str] | None:
    """The answer's code is one the operation may answer."""
    allowed = contract.response_codes[exchange.operation]
    if exchange.status not in allowed:
        return [f"status {exchange.status} is not one {exchange.operation} may answer ({sorted(allowed)})"]
    return []


@check("server_error_retried")
def server_error_not_repeated(exchange: Exchange, contract: Contract) -> list[str] | None:
    """A 500 is allowed once; one that is still there after every retry fails."""
    if exchange.status != contract.codes.server_error:
        return [] if exchange.retried else None
    tries = len(exchange.retried)
    return [
        f"{exchange.status} repeated on {tries} retr{'y' if tries == 1 else 'ies'}: "
        "the error is not transient"
    ]


@check("content_type_json")
def content_type_is_json(exchange: Exchange, contract: Contract) -> list[str] | None:
    """Answers with a body in the contract are served as application/json."""
    if (
        _http_layer(exchange, contract)
        or response_schema_name(contract, exchange.operation, exchange.status) is None
    ):
        return None
    media = exchange.response.media_type
    if media != contract.json_content_type:
        return [f"Content-Type is {media!r}, expected {contract.json_content_type!r}"]
    return []


@check("response_schema")
def body_matches_schema(exchange: Exchange, contract: Contract) -> list[str] | None:
    """A success body matches its operation's schema (and says so when a field has its other name)."""
    schema = response_schema_name(contract, exchange.operation, exchange.status)
    if schema is None or exchange.status >= contract.codes.bad_request:
        return None
    body = _json(exchange)
    if body is None:
        return [f"the {exchange.status} body is not JSON: {exchange.response.text(_SNIPPET)!r}"]
    return schema_problems(contract, schema, body)


def error_problems(answer: RecordedResponse, contract: Contract, schema: str) -> list[str]:
    """Why an error answer is not the contract's error body (empty when it is)."""
    body = answer.json_or_none()
    if body is None:
        return [f"the {answer.status} body is not JSON: {answer.text(_SNIPPET)!r}"]
    problems = [f"{schema}: {p}" for p in contract.schema_errors(schema, body)]
    field = contract.error.status_field
    if field and isinstance(body, dict) and field in body and body[field] != answer.status:
        problems.append(f"{field} in the body is {body[field]!r}, but the answer's code is {answer.status}")
    return problems


@check("error_body")
def error_body_matches_schema(exchange: Exchange, contract: Contract) -> list[str] | None:
    """A 4xx or 5xx body is the error body (a 429 is judged by rate_limit_body)."""
    status = exchange.status
    if status < contract.codes.bad_request or _http_layer(exchange, contract):
        return None
    if status == contract.codes.too_many_requests and contract.rate_limits.enabled:
        return None
    schema = response_schema_name(contract, exchange.operation, status) or contract.error.schema
    return error_problems(exchange.response, contract, schema)


@check("error_body")
def retried_errors_have_the_error_body(exchange: Exchange, contract: Contract) -> list[str] | None:
    """Every 500 that was retried carried the error body too (it is allowed, not exempt)."""
    if not exchange.retried:
        return None
    return [
        f"the {answer.status} of attempt {attempt} (retried): {problem}"
        for attempt, answer in enumerate(exchange.retried, start=1)
        for problem in error_problems(answer, contract, contract.error.schema)
    ]


@check("status_in_enum", on=(Operation.LOOKUP, Operation.BATCH))
def status_is_documented(exchange: Exchange, contract: Contract) -> list[str] | None:
    """The status is one of the documented statuses (a missing field is response_schema's)."""
    name = contract.fields.status
    bodies = [b for b in status_bodies(exchange, contract) if name in b]
    if not bodies:
        return None
    return [
        f"{name} {b[name]!r} is not one of {list(contract.statuses)}"
        for b in bodies
        if b[name] not in contract.statuses
    ]


@check("channel_in_enum")
def channel_is_known(exchange: Exchange, contract: Contract) -> list[str] | None:
    """The channel in a body is spelled exactly as one of the channels."""
    name = _channel_field(exchange, contract)
    bodies = [b for b in _bodies_with_channel(exchange, contract) if name and name in b]
    if not bodies or name is None:
        return None
    return [
        f"{name} {b[name]!r} is not one of {list(contract.channels)}"
        for b in bodies
        if b[name] not in contract.channels
    ]


@check("echo_id", on=(Operation.LOOKUP, Operation.BATCH))
def id_is_echoed(exchange: Exchange, contract: Contract) -> list[str] | None:
    """The body's id is the id asked for, exactly."""
    name = contract.fields.id
    bodies = status_bodies(exchange, contract)
    if not bodies:
        return None
    if exchange.operation == Operation.LOOKUP:
        return [
            f"{name} {b.get(name)!r} != requested {exchange.message_id!r}"
            for b in bodies
            if b.get(name) != exchange.message_id
        ]
    requested = set(exchange.ids)
    return [
        f"the batch has {b.get(name)!r}, which was not requested"
        for b in bodies
        if b.get(name) not in requested
    ]


@check("echo_channel")
def channel_is_echoed(exchange: Exchange, contract: Contract) -> list[str] | None:
    """The body's channel, when present, is the channel asked for, exactly."""
    name = _channel_field(exchange, contract)
    if name is None or exchange.channel is None:
        return None
    bodies = [b for b in _bodies_with_channel(exchange, contract) if name in b]
    if not bodies:
        return None
    return [
        f"{name} {b.get(name)!r} != requested {exchange.channel!r}"
        for b in bodies
        if b.get(name) != exchange.channel
    ]


@check("error_has_reason", on=(Operation.LOOKUP, Operation.BATCH))
def error_carries_reason(exchange: Exchange, contract: Contract) -> list[str] | None:
    """A status that needs a reason (ERROR) carries a non-empty one."""
    status, description = contract.fields.status, contract.fields.description
    bodies = [b for b in status_bodies(exchange, contract) if b.get(status) in contract.needs_reason]
    if not bodies:
        return None
    found = []
    for body in bodies:
        reason = body.get(description)
        if not isinstance(reason, str) or not reason.strip():
            found.append(f"{body.get(status)} with {description} {reason!r}")
    return found


def parse_updated_at(value: object) -> datetime | None:
    """`value` as an aware datetime when it is an RFC 3339 date-time, else None."""
    if not isinstance(value, str) or not _RFC3339.match(value):
        return None
    try:
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None


@check("updated_at_format", on=(Operation.LOOKUP, Operation.BATCH))
def updated_at_is_rfc3339(exchange: Exchange, contract: Contract) -> list[str] | None:
    """The update time, when present, is RFC 3339 with an offset (in UTC, where the dialect says so)."""
    name = contract.fields.updated_at
    bodies = [b for b in status_bodies(exchange, contract) if name in b]
    if not bodies:
        return None
    found = []
    for body in bodies:
        value = body[name]
        parsed = parse_updated_at(value)
        if parsed is None:
            found.append(f"{name} {value!r} is not an RFC 3339 date-time with an offset")
        elif contract.updated_at_utc_only and parsed.utcoffset() != timedelta(0):
            found.append(f"{name} {value!r} is not UTC (Z or +00:00)")
    return found


@check("batch_entries", on=(Operation.BATCH,))
def batch_lists_each_id_once(exchange: Exchange, contract: Contract) -> list[str] | None:
    """Entries only for requested ids, each once; in the object shape, every id in one list."""
    if exchange.status == contract.codes.not_found:
        return [
            f"a batch answered {exchange.status}; ids that match nothing are left out (200 with no entry)"
        ]
    if exchange.status != contract.codes.ok:
        return None
    body = _json(exchange)
    entries = batch_entries(body, contract)
    if entries is None:
        return None  # not the batch shape at all: response_schema says so
    found = [e.get(contract.fields.id) for e in entries]
    listed = list(found)
    if not contract.batch.array and isinstance(body, dict):
        missing_list = body.get(contract.batch.not_found or "")
        listed += list(missing_list) if isinstance(missing_list, list) else []
    problems = []
    for requested in dict.fromkeys(exchange.ids):
        count = listed.count(requested)
        if count == 0 and not contract.batch.array:
            problems.append(
                f"{requested!r} is in neither {contract.batch.statuses} nor {contract.batch.not_found}"
            )
        elif count > 1:
            problems.append(f"{requested!r} is listed {count} times")
    extra = sorted({str(x) for x in listed} - set(exchange.ids))
    if extra:
        problems.append(f"ids that were not requested: {extra[:5]}")
    return problems
