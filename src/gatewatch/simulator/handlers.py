"""The three operations' answers, and `Server`, which runs the gates and then the answer.

By the time an answer runs every gate has let the request through, so the caller, the
channel, the ids, the parsed body or the message are on the request. Everything here is
synchronous: nothing waits, so the lookup hot path costs a few dict lookups.
"""

from __future__ import annotations

import uuid

from gatewatch.simulator import lifecycle
from gatewatch.simulator.errors import INTERNAL_ERROR, ApiError
from gatewatch.simulator.gates import Pipelines, identify
from gatewatch.simulator.stages import Payload, Stages
from gatewatch.simulator.store import Message
from gatewatch.simulator.wire import Request, Response


def lookup(request: Request, st: Stages) -> Response:
    """GET the status of one message."""
    message = request.message
    if message is None:
        return st.render_error(request, INTERNAL_ERROR)  # the not_found gate always sets it
    step = st.view(request, message, st.clock())
    body = st.status_body(request, st.make_body(request.message_id, request.channel, step))
    return st.render.json(st.names.ok, body)


def batch(request: Request, st: Stages) -> Response:
    """GET the statuses of several messages of one channel."""
    caller = request.caller
    if caller is None:
        return st.render_error(request, INTERNAL_ERROR)  # the unauthorized gate always sets it
    channel, company = request.channel, caller.company
    now = st.clock()
    found: list[Payload] = []
    missing: list[str] = []
    # Every distinct id once, in the order first asked.
    for message_id in dict.fromkeys(request.ids):
        message = st.find(request, message_id, channel, company)
        if message is None:
            missing.append(message_id)
            continue
        step = st.view(request, message, now)
        found.append(st.status_body(request, st.make_body(message_id, message.channel, step)))
    return st.render.json(st.names.ok, st.batch_body(request, found, missing))


def send(request: Request, st: Stages) -> Response:
    """POST a message on the route's channel; a dry run answers an id and stores nothing."""
    caller = request.caller
    if caller is None:
        return st.render_error(request, INTERNAL_ERROR)  # the unauthorized gate always sets it
    names, body, channel = st.names, request.parsed, request.route_channel
    dry_run = names.dry_run is not None and isinstance(body, dict) and body.get(names.dry_run) is True
    if dry_run:
        message_id = new_id(st)
    else:
        message = new_message(st, channel, caller.company, st.destination(request, body))
        st.store.add(message)
        message_id = message.id
    payload: Payload = {names.send_id: message_id}
    if names.send_channel is not None:
        payload[names.send_channel] = channel
    if dry_run and names.dry_run_answer is not None:
        payload[names.dry_run_answer] = True
    return st.render.json(names.created, st.send_answer(request, payload))


def new_id(st: Stages) -> str:
    """A fresh platform-assigned id."""
    return f"{st.config.id_prefix}{uuid.uuid4().hex}"


def new_message(st: Stages, channel: str, company: str, number: str) -> Message:
    """A message to `number` accepted now, with its whole lifecycle laid out."""
    recipient = st.contract.recipient_for(number)
    sent_at = st.clock()
    step_s = st.config.step_for(channel)
    return Message(
        id=new_id(st),
        channel=channel,
        company=company,
        to=number,
        recipient=recipient,
        sent_at=sent_at,
        step_s=step_s,
        steps=lifecycle.timeline(recipient, sent_at, step_s, st.contract),
    )


class Server:
    """Serves a routed request: its operation's gates in order, then its answer, then the last look."""

    __slots__ = ("full", "limited", "routable", "st")

    def __init__(self, st: Stages, pipelines: Pipelines, *, limited: bool) -> None:
        self.st = st
        self.full = pipelines.full
        self.routable = pipelines.routable
        #: A rate limit is on: answers to a valid key carry the rate-limit headers.
        self.limited = limited

    def __call__(self, request: Request) -> Response:
        """The answer to `request` (routed already: `op`, `route`, `handler` are set)."""
        st = self.st
        handler = request.handler
        routable = handler is not None and not request.too_large
        for gate in (self.routable if routable else self.full)[request.op]:
            refusal = gate(request, st)
            if refusal is not None:
                return self.finish(request, refusal)
        if handler is None:
            return self.finish(request, INTERNAL_ERROR)  # the method gate always refuses first
        answer: Response = handler(request, st)
        if self.limited:
            answer = self._with_limit_headers(request, answer)
        return st.respond(request, answer)

    def finish(self, request: Request, outcome: ApiError | Response) -> Response:
        """Render an error, add the rate-limit headers, and let the last stage see it."""
        st = self.st
        response = st.render_error(request, outcome) if isinstance(outcome, ApiError) else outcome
        if self.limited:
            response = self._with_limit_headers(request, response)
        return st.respond(request, response)

    def _with_limit_headers(self, request: Request, response: Response) -> Response:
        st = self.st
        decision = request.decision
        if decision is None:
            # Refused before the rate-limit gate (or a path without one): report, do not count.
            caller = identify(request, st)
            if caller is None:
                return response
            decision = st.peek_rate(caller.key)
        extra = st.limit_headers(request, decision)
        return response.with_headers(extra) if extra else response
