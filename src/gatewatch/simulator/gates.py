"""Which error wins: one gate per precedence role, run in the order the contract gives.

`contract.precedence.order` lists roles (payload_too_large, path_not_found,
method_not_allowed, unauthorized, too_many_requests, bad_request, not_found). Each
operation has a gate per role that applies to it; a gate either lets the request pass
(and notes what it learnt on it: the caller, the channel, the ids, the message) or
returns the refusal. `pipelines` lines the gates up in the stages' `order`, once per
runtime, so the order is data: a contract (or a defect) that reorders the roles reorders
the checks. A gate that needs something a later gate learns (a lookup's message needs the
caller) finds it out itself, or stands aside and lets the later gate refuse. bad_request
and not_found judge an operation's parameters, so a path of no operation (which has none)
is refused by the other gates only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gatewatch.simulator.auth import Caller
from gatewatch.simulator.errors import (
    BAD_REQUEST,
    INVALID_JSON,
    INVALID_QUERY,
    MESSAGE_NOT_FOUND,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    PATH_NOT_FOUND,
    PAYLOAD_TOO_LARGE,
    TOO_MANY_REQUESTS,
    UNAUTHORIZED,
    ApiError,
    Kind,
    invalid_body,
)
from gatewatch.simulator.stages import Stages
from gatewatch.simulator.wire import BATCH, LOOKUP, NO_ROUTE, SEND, Request, Response

Refusal = ApiError | Response | None
Gate = Callable[[Request, Stages], Refusal]

# Precedence roles (rules.yaml error_precedence) are code roles (errors.py), plus this one:
# an unknown path, answered with the not_found code like an unknown id.
PATH_NOT_FOUND_ROLE = "path_not_found"
#: Every role a gate exists for, in gateway-api.md's order (roles a contract leaves out run last).
ROLES = (
    PAYLOAD_TOO_LARGE,
    PATH_NOT_FOUND_ROLE,
    METHOD_NOT_ALLOWED,
    UNAUTHORIZED,
    TOO_MANY_REQUESTS,
    BAD_REQUEST,
    NOT_FOUND,
)

_NO_VALUES: list[str] = []
_TOO_LARGE_TEXT = "the request body is over {limit} bytes"


def identify(request: Request, st: Stages) -> Caller | None:
    """The caller, authenticating now if no gate has yet; None for a missing or unknown key."""
    if request.caller is None:
        found = st.authenticate(request)
        if isinstance(found, ApiError):
            return None
        request.caller = found
    return request.caller


# -- gates every operation has ----------------------------------------------------------


def too_large(request: Request, st: Stages) -> Refusal:
    """413: the body was over the limit (and left unread)."""
    if not request.too_large:
        return None
    limit = st.contract.send.body_max_bytes
    return ApiError(PAYLOAD_TOO_LARGE, Kind.PAYLOAD_TOO_LARGE, _TOO_LARGE_TEXT.format(limit=limit))


def unknown_path(request: Request, st: Stages) -> Refusal:
    """404: no operation of the contract has this path."""
    return PATH_NOT_FOUND if request.route is None else None


def wrong_method(request: Request, st: Stages) -> Refusal:
    """405: the path exists, not with this method."""
    route = request.route
    if route is None or request.handler is not None:
        return None
    error: ApiError = route.method_error
    return error


def unauthorized(request: Request, st: Stages) -> Refusal:
    """401: no key or an unknown one."""
    found = st.authenticate(request)
    if isinstance(found, ApiError):
        return found
    request.caller = found
    return None


def throttled(request: Request, st: Stages) -> Refusal:
    """429: the key is over its rate limit (a missing or unknown key is not limited here)."""
    caller = identify(request, st)
    if caller is None:
        return None
    decision = st.rate_limit(request, caller.key)
    request.decision = decision
    return None if decision.allowed else st.render_throttled(request, decision)


# -- bad_request and not_found, per operation -------------------------------------------


def _channel(request: Request, st: Stages) -> ApiError | None:
    query = request.query(st.fast_queries)
    if query is None:
        return INVALID_QUERY
    channel = st.parse_channel(request, query.get(st.names.channel_param, _NO_VALUES))
    if isinstance(channel, ApiError):
        return channel
    request.channel = channel
    return None


def lookup_params(request: Request, st: Stages) -> Refusal:
    """400: the query is not UTF-8, the channel is missing or invalid, the path id is not UTF-8."""
    # _channel inlined: this is the lookup hot path.
    query = request.query(st.fast_queries)
    if query is None:
        return INVALID_QUERY
    channel = st.parse_channel(request, query.get(st.names.channel_param, _NO_VALUES))
    if isinstance(channel, ApiError):
        return channel
    request.channel = channel
    message_id = st.decode_id(request, request.path_param)
    if isinstance(message_id, ApiError):
        return message_id
    request.message_id = message_id
    return None


def batch_params(request: Request, st: Stages) -> Refusal:
    """400: the channel is missing or invalid; the ids are missing, have an empty element or too many."""
    refused = _channel(request, st)
    if refused is not None:
        return refused
    query = request.query(st.fast_queries) or {}
    ids = st.parse_ids(request, query.get(st.names.ids_param, _NO_VALUES))
    if isinstance(ids, ApiError):
        return ids
    request.ids = ids
    return None


def send_body(request: Request, st: Stages) -> Refusal:
    """400: the body is not JSON or breaks the send-request schema."""
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return INVALID_JSON
    reasons = st.validate_send(request, body)
    if reasons:
        return invalid_body(reasons)
    request.parsed = body
    return None


def lookup_found(request: Request, st: Stages) -> Refusal:
    """404: no message with this id on this channel for this company."""
    caller = request.caller or identify(request, st)
    if caller is None or not request.channel:
        return None  # the key's or the parameters' gate has not passed: it refuses later
    message = st.find(request, request.message_id, request.channel, caller.company)
    if message is None:
        return MESSAGE_NOT_FOUND
    request.message = message
    return None


_COMMON: Mapping[str, Gate] = {
    PAYLOAD_TOO_LARGE: too_large,
    PATH_NOT_FOUND_ROLE: unknown_path,
    METHOD_NOT_ALLOWED: wrong_method,
    UNAUTHORIZED: unauthorized,
    TOO_MANY_REQUESTS: throttled,
}

#: operation -> role -> gate.
GATES: Mapping[str, Mapping[str, Gate]] = {
    LOOKUP: {**_COMMON, BAD_REQUEST: lookup_params, NOT_FOUND: lookup_found},
    BATCH: {**_COMMON, BAD_REQUEST: batch_params},
    SEND: {**_COMMON, BAD_REQUEST: send_body},
    NO_ROUTE: _COMMON,
}


def ordered(order: tuple[str, ...]) -> tuple[str, ...]:
    """`order`'s known roles, then any role it leaves out (so every check still runs)."""
    known = tuple(role for role in dict.fromkeys(order) if role in ROLES)
    return known + tuple(role for role in ROLES if role not in known)


#: The gates that judge only what the app noted before serving (size, route, method).
ROUTING = frozenset({PAYLOAD_TOO_LARGE, PATH_NOT_FOUND_ROLE, METHOD_NOT_ALLOWED})


@dataclass(frozen=True, slots=True)
class Pipelines:
    """Each operation's gates in order: all of them, and those left for a routable request.

    A request within the size limit, on a known path, with an allowed method cannot be
    refused by the routing gates, so `routable` leaves them out: the same order, fewer calls.
    """

    full: Mapping[str, tuple[Gate, ...]]
    routable: Mapping[str, tuple[Gate, ...]]


def pipelines(order: tuple[str, ...], *, limited: bool) -> Pipelines:
    """Each operation's gates in `order` (the rate-limit gate only when a limit is on)."""
    roles = [role for role in ordered(order) if limited or role != TOO_MANY_REQUESTS]
    full = {op: tuple(gates[role] for role in roles if role in gates) for op, gates in GATES.items()}
    routable = {
        op: tuple(gates[role] for role in roles if role in gates and role not in ROUTING)
        for op, gates in GATES.items()
    }
    return Pipelines(full, routable)
