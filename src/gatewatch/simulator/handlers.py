"""The three operations the contract defines: send, single lookup and batch lookup.

Each handler runs the stages in the pinned order of precedence (401, then 400, then
404 for the id; 413, unknown paths and 405 are settled before a handler runs) and is
synchronous: nothing here waits, so the lookup hot path costs a few dict lookups.
"""

from __future__ import annotations

import json
import uuid

from gatewatch.simulator import lifecycle
from gatewatch.simulator.stages import (
    INVALID_QUERY,
    MESSAGE_NOT_FOUND,
    Payload,
    Stages,
)
from gatewatch.simulator.store import Message
from gatewatch.simulator.wire import (
    CHANNEL,
    CHANNEL_PARAM,
    DESCRIPTION,
    ID,
    IDS_PARAM,
    NOT_FOUND,
    STATUS,
    STATUSES,
    TO,
    UPDATED_AT,
    ApiError,
    Code,
    Query,
    Request,
    Response,
    json_response,
)

_NO_VALUES: list[str] = []
# Long enough to say what is wrong, short enough not to echo a 64 KiB body back.
_MAX_ERROR_TEXT = 300


def status_body(message_id: str, channel: str, step: lifecycle.Step) -> Payload:
    """A single-lookup body: the id and channel as asked, the step as reached."""
    return {
        ID: message_id,
        CHANNEL: channel,
        STATUS: step.status,
        DESCRIPTION: step.description,
        UPDATED_AT: step.updated_at,
    }


def _scope(request: Request, st: Stages) -> tuple[str, Query, str] | ApiError:
    """A lookup's or batch's company, query and channel, or the error that wins (401, then 400)."""
    company = st.authenticate(request)
    if isinstance(company, ApiError):
        return company
    query = request.query(st.fast_queries)
    if query is None:
        return INVALID_QUERY
    channel = st.parse_channel(request, query.get(CHANNEL_PARAM, _NO_VALUES))
    if isinstance(channel, ApiError):
        return channel
    return company, query, channel


def lookup(request: Request, st: Stages) -> Response:
    """GET the status of one message."""
    scope = _scope(request, st)
    if isinstance(scope, ApiError):
        return st.fail(request, scope)
    company, _, channel = scope
    message_id = st.decode_id(request, request.path_param)
    if isinstance(message_id, ApiError):
        return st.fail(request, message_id)
    message = st.find(request, message_id, channel, company)
    if message is None:
        return st.fail(request, MESSAGE_NOT_FOUND)
    step = st.view(request, message, st.clock())
    body = st.status_body(request, status_body(message_id, channel, step))
    return st.respond(request, json_response(200, st.payload(request, body)))


def batch(request: Request, st: Stages) -> Response:
    """GET the statuses of up to batch_max_ids messages of one channel."""
    scope = _scope(request, st)
    if isinstance(scope, ApiError):
        return st.fail(request, scope)
    company, query, channel = scope
    ids = st.parse_ids(request, query.get(IDS_PARAM, _NO_VALUES))
    if isinstance(ids, ApiError):
        return st.fail(request, ids)
    now = st.clock()
    statuses: list[Payload] = []
    not_found: list[str] = []
    # Every distinct id once, in the order first asked.
    for message_id in dict.fromkeys(ids):
        message = st.find(request, message_id, channel, company)
        if message is None:
            not_found.append(message_id)
            continue
        step = st.view(request, message, now)
        statuses.append(st.status_body(request, status_body(message_id, channel, step)))
    payload = st.payload(request, {STATUSES: statuses, NOT_FOUND: not_found})
    return st.respond(request, json_response(200, payload))


def send(request: Request, st: Stages) -> Response:
    """POST a message on the route's channel."""
    company = st.authenticate(request)
    if isinstance(company, ApiError):
        return st.fail(request, company)
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return st.fail(request, ApiError(400, Code.INVALID_JSON, "the body is not valid JSON"))
    errors = st.validate_send(request, body)
    if errors:
        text = "; ".join(errors)
        if len(text) > _MAX_ERROR_TEXT:
            text = text[: _MAX_ERROR_TEXT - 3] + "..."
        return st.fail(request, ApiError(400, Code.INVALID_BODY, text))
    message = new_message(st, request.route_channel, company, body)
    st.store.add(message)
    payload = st.payload(request, {ID: message.id, CHANNEL: message.channel})
    return st.respond(request, json_response(201, payload))


def new_message(st: Stages, channel: str, company: str, body: object) -> Message:
    """A message accepted now, with its whole lifecycle laid out."""
    to = body.get(TO) if isinstance(body, dict) else None
    # A defect may let a malformed recipient through; it still needs a string to match on.
    number = to if isinstance(to, str) else json.dumps(to)
    recipient = st.contract.recipient_for(number)
    sent_at = st.clock()
    step_s = st.config.step_for(channel)
    return Message(
        id=f"{st.config.id_prefix}{uuid.uuid4().hex}",
        channel=channel,
        company=company,
        to=number,
        recipient=recipient,
        sent_at=sent_at,
        step_s=step_s,
        steps=lifecycle.timeline(recipient, sent_at, step_s, st.contract),
    )
