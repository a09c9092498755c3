"""Which error wins: one checkpoint per precedence role, and the typed call a request makes.

`contract.precedence.order` lists roles (payload_too_large, path_not_found,
method_not_allowed, unauthorized, too_many_requests, bad_request, not_found). Every
checkpoint but the rate limit's is a pure function of the request, so `hear` runs them
all and gives either the call the request makes, typed for its handler (`LookupCall`,
`BatchCall`, `SendCall`), or `Refused`: each role's refusal. `judge` then walks the
roles in the stages' `order` and the first refusal wins, so the order is data: a contract
(or a defect) that reorders the roles reorders the checks. The rate limit counts the
request, so it is asked in its place in that walk, only when no earlier role refuses.
A checkpoint that needs what another one establishes (a lookup's message needs the
caller) stands aside when that one refuses: the other's refusal is the answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from gatewatch.contract.model import PATH_NOT_FOUND as PATH_NOT_FOUND_ROLE
from gatewatch.contract.operations import Operation
from gatewatch.simulator.auth import Caller
from gatewatch.simulator.errors import (
    BAD_REQUEST,
    CONFLICT,
    INVALID_JSON,
    INVALID_QUERY,
    MESSAGE_NOT_FOUND,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    PATH_NOT_FOUND,
    PAYLOAD_TOO_LARGE,
    TOO_MANY_REQUESTS,
    UNAUTHORIZED,
    WEBHOOK_NOT_FOUND,
    ApiError,
    ErrorKind,
    invalid_body,
)
from gatewatch.simulator.http import Query, Request, Response, parse_query
from gatewatch.simulator.ratelimit import Decision
from gatewatch.simulator.registrations import Registration
from gatewatch.simulator.routes import Match, Routing, UnknownPath, WrongMethod
from gatewatch.simulator.stages import Stages
from gatewatch.simulator.store import Message

Refusal = ApiError | Response

# Precedence roles (rules.yaml error_precedence) are code roles (errors.py), plus this one:
# an unknown path, answered with the not_found code like an unknown id.
#: Every role a checkpoint exists for, in gateway-api.md's order (roles a contract leaves out run last).
ROLES = (
    PAYLOAD_TOO_LARGE,
    PATH_NOT_FOUND_ROLE,
    METHOD_NOT_ALLOWED,
    UNAUTHORIZED,
    TOO_MANY_REQUESTS,
    BAD_REQUEST,
    NOT_FOUND,
    CONFLICT,
)

_TOO_LARGE_TEXT = "the request body is over {limit} bytes"


# The calls are NamedTuples: immutable, and cheap to build on the lookup hot path.


class LookupCall(NamedTuple):
    """A single lookup every checkpoint let through: who asks, for which id on which channel."""

    caller: Caller
    channel: str
    message_id: str
    message: Message


class BatchCall(NamedTuple):
    """A batch lookup every checkpoint let through."""

    caller: Caller
    channel: str
    ids: tuple[str, ...]


class SendCall(NamedTuple):
    """A send every checkpoint let through: its route's channel and its valid body."""

    caller: Caller
    channel: str
    body: object


class WebhookCall(NamedTuple):
    """A webhook registration call every checkpoint let through."""

    caller: Caller
    op: Operation
    #: The valid callback URL of a POST or PUT (None for GET and DELETE).
    callback_url: str | None
    #: The company's webhook as it stood (None for a POST, which needs none).
    found: Registration | None


#: What a request that passes every checkpoint asks for.
Call = LookupCall | BatchCall | SendCall | WebhookCall


@dataclass(frozen=True, slots=True)
class Refused:
    """The refusal of every role that refuses a request, and its caller when the key is good."""

    refusals: Mapping[str, ApiError]
    caller: Caller | None


#: A checkpoint set of one operation: the call, or the refusals of its own roles (empty:
#: it stands aside because the key is refused).
Hearing = Callable[[Request, Match | WrongMethod, Caller | None, Stages], Call | dict[str, ApiError]]


def ordered(order: tuple[str, ...]) -> tuple[str, ...]:
    """`order`'s known roles, then any role it leaves out (so every check still runs)."""
    known = tuple(role for role in dict.fromkeys(order) if role in ROLES)
    return known + tuple(role for role in ROLES if role not in known)


def roles(order: tuple[str, ...], *, limited: bool) -> tuple[str, ...]:
    """The roles judged, in `order` (the rate limit's only when a limit is on)."""
    return tuple(role for role in ordered(order) if limited or role != TOO_MANY_REQUESTS)


# -- each operation's parameters and what it finds (bad_request, not_found) ------------------


def _query(request: Request, st: Stages) -> Query | None:
    known = st.context.fast_queries.get(request.query_string)
    return known if known is not None else parse_query(request.query_string)


def _lookup_params(request: Request, target: Match | WrongMethod, st: Stages) -> tuple[str, str] | ApiError:
    """400: the query is not UTF-8, the channel is missing or invalid, the path id is not UTF-8."""
    query = _query(request, st)
    if query is None:
        return INVALID_QUERY
    channel = st.parse_channel(st, query.get(st.context.names.channel_param, ()))
    if isinstance(channel, ApiError):
        return channel
    message_id = st.decode_id(st, target.path_id)
    if isinstance(message_id, ApiError):
        return message_id
    return channel, message_id


def hear_lookup(
    request: Request, target: Match | WrongMethod, caller: Caller | None, st: Stages
) -> LookupCall | dict[str, ApiError]:
    """A single lookup's parameters (400), then its message (404: none with this id, channel, company)."""
    params = _lookup_params(request, target, st)
    if isinstance(params, ApiError):
        return {BAD_REQUEST: params}
    if caller is None:
        return {}
    channel, message_id = params
    message = st.find(st, Operation.LOOKUP, message_id, channel, caller.company)
    if message is None:
        return {NOT_FOUND: MESSAGE_NOT_FOUND}
    return LookupCall(caller, channel, message_id, message)


def hear_batch(
    request: Request, target: Match | WrongMethod, caller: Caller | None, st: Stages
) -> BatchCall | dict[str, ApiError]:
    """400: the channel is missing or invalid; the ids are missing, have an empty element or too many."""
    query = _query(request, st)
    if query is None:
        return {BAD_REQUEST: INVALID_QUERY}
    names = st.context.names
    channel = st.parse_channel(st, query.get(names.channel_param, ()))
    if isinstance(channel, ApiError):
        return {BAD_REQUEST: channel}
    ids = st.parse_ids(st, query.get(names.ids_param, ()))
    if isinstance(ids, ApiError):
        return {BAD_REQUEST: ids}
    return {} if caller is None else BatchCall(caller, channel, tuple(ids))


def hear_send(
    request: Request, target: Match | WrongMethod, caller: Caller | None, st: Stages
) -> SendCall | dict[str, ApiError]:
    """400: the body is not JSON or breaks the send-request schema."""
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {BAD_REQUEST: INVALID_JSON}
    reasons = st.validate_send(st, body)
    if reasons:
        return {BAD_REQUEST: invalid_body(reasons)}
    return {} if caller is None else SendCall(caller, target.channel, body)


_WITH_BODY = frozenset({Operation.WEBHOOK_CREATE, Operation.WEBHOOK_UPDATE})


def _callback_url(request: Request, st: Stages) -> str | ApiError:
    """A webhook body's callback URL, or the 400: not JSON, or no valid callback URL."""
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return INVALID_JSON
    reasons = st.validate_callback(st, body)
    if reasons:
        return invalid_body(reasons)
    url = body.get(st.context.contract.webhooks.registration.callback_url) if isinstance(body, dict) else None
    # A defect may let a body without a URL through: it is still stored as text.
    return url if isinstance(url, str) else json.dumps(url)


def hear_webhook(
    request: Request, target: Match | WrongMethod, caller: Caller | None, st: Stages
) -> WebhookCall | dict[str, ApiError]:
    """400: POST or PUT without a valid callback URL; 409: POST when one exists; 404: none to use."""
    op = target.op
    url: str | None = None
    if op in _WITH_BODY:
        parsed = _callback_url(request, st)
        if isinstance(parsed, ApiError):
            return {BAD_REQUEST: parsed}
        url = parsed
    if caller is None:
        return {}
    found = st.find_webhook(st, op, caller.company)
    if op == Operation.WEBHOOK_CREATE:
        refusal = None if found is None else st.webhook_conflict(st, found)
        return {CONFLICT: refusal} if refusal is not None else WebhookCall(caller, op, url, found)
    if found is None:
        return {NOT_FOUND: WEBHOOK_NOT_FOUND}
    return WebhookCall(caller, op, url, found)


HEARINGS: Mapping[Operation, Hearing] = {
    Operation.LOOKUP: hear_lookup,
    Operation.BATCH: hear_batch,
    Operation.SEND: hear_send,
    Operation.WEBHOOK_CREATE: hear_webhook,
    Operation.WEBHOOK_GET: hear_webhook,
    Operation.WEBHOOK_UPDATE: hear_webhook,
    Operation.WEBHOOK_DELETE: hear_webhook,
}


# -- every request --------------------------------------------------------------------------


def too_large(st: Stages) -> ApiError:
    """413: the body was over the limit (and left unread)."""
    limit = st.context.contract.send.body_max_bytes
    return ApiError(PAYLOAD_TOO_LARGE, ErrorKind.PAYLOAD_TOO_LARGE, _TOO_LARGE_TEXT.format(limit=limit))


def hear(request: Request, routing: Routing, st: Stages) -> Call | Refused:
    """The call `request` makes when no checkpoint refuses it, else every role's refusal."""
    found = st.authenticate(st, request)
    caller = None if isinstance(found, ApiError) else found
    refusals: dict[str, ApiError] = {}
    if request.too_large:
        refusals[PAYLOAD_TOO_LARGE] = too_large(st)
    if isinstance(found, ApiError):
        refusals[UNAUTHORIZED] = found
    if isinstance(routing, UnknownPath):
        # No operation, so no parameters to judge: the other roles refuse it or nobody.
        refusals[PATH_NOT_FOUND_ROLE] = PATH_NOT_FOUND
        return Refused(refusals, caller)
    if isinstance(routing, WrongMethod):
        refusals[METHOD_NOT_ALLOWED] = routing.error
    heard = HEARINGS[routing.op](request, routing, caller, st)
    if isinstance(heard, dict):
        refusals.update(heard)
    elif not refusals:
        return heard
    return Refused(refusals, caller)


def judge(refused: Refused, order: tuple[str, ...], st: Stages) -> tuple[Refusal, Decision | None]:
    """The refusal that wins in `order`, and the rate limit's decision if it was asked."""
    decision: Decision | None = None
    for role in order:
        if role == TOO_MANY_REQUESTS:
            if refused.caller is None:
                continue  # a missing or unknown key is not limited: its 401 answers
            decision = st.rate_limit(st, refused.caller.key)
            if not decision.allowed:
                return st.render_throttled(st, decision), decision
            continue
        refusal = refused.refusals.get(role)
        if refusal is not None:
            return refusal, decision
    # `order` holds every role (see `ordered`), so this is the first refusal of a role left out.
    return next(iter(refused.refusals.values())), decision
