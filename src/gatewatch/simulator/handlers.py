"""The three operations' answers, and `Dispatcher`, which judges the checkpoints and then answers.

A handler takes the typed call the checkpoints produced (`LookupCall`, `BatchCall`,
`SendCall`), so it holds everything it needs by construction. Everything here is
synchronous: nothing waits, so the lookup hot path costs a few dict lookups.
"""

from __future__ import annotations

import uuid

from gatewatch.contract.operations import Operation
from gatewatch.simulator import lifecycle
from gatewatch.simulator.auth import Caller
from gatewatch.simulator.checkpoints import (
    BatchCall,
    Call,
    LookupCall,
    Refusal,
    Refused,
    SendCall,
    WebhookCall,
    hear,
    judge,
    roles,
)
from gatewatch.simulator.errors import ApiError
from gatewatch.simulator.http import Request, Response
from gatewatch.simulator.ratelimit import Decision
from gatewatch.simulator.registrations import Registration
from gatewatch.simulator.routes import Routing
from gatewatch.simulator.stages import Payload, Stages
from gatewatch.simulator.store import Message


def lookup(call: LookupCall, st: Stages) -> Response:
    """GET the status of one message."""
    ctx = st.context  # read once: this is the hot path
    step = st.view(st, Operation.LOOKUP, call.message, ctx.clock())
    body = st.status_body(st, st.make_body(st, call.message_id, call.channel, step))
    return ctx.render.json(ctx.names.ok, body)


def batch(call: BatchCall, st: Stages) -> Response:
    """GET the statuses of several messages of one channel."""
    channel, company = call.channel, call.caller.company
    now = st.context.clock()
    found: list[Payload] = []
    missing: list[str] = []
    # Every distinct id once, in the order first asked.
    for message_id in dict.fromkeys(call.ids):
        message = st.find(st, Operation.BATCH, message_id, channel, company)
        if message is None:
            missing.append(message_id)
            continue
        step = st.view(st, Operation.BATCH, message, now)
        found.append(st.status_body(st, st.make_body(st, message_id, message.channel, step)))
    return st.context.render.json(st.context.names.ok, st.batch_body(st, channel, found, missing))


def send(call: SendCall, st: Stages) -> Response:
    """POST a message on the route's channel; a dry run answers an id and stores nothing."""
    names, body, channel = st.context.names, call.body, call.channel
    dry_run = names.dry_run is not None and isinstance(body, dict) and body.get(names.dry_run) is True
    message = new_message(st, channel, call.caller.company, st.destination(st, body))
    if not dry_run:
        st.context.store.add(message)
    st.schedule_delivery(st, message, dry_run)
    message_id = message.id
    payload: Payload = {names.send_id: message_id}
    if names.send_channel is not None:
        payload[names.send_channel] = channel
    if dry_run and names.dry_run_answer is not None:
        payload[names.dry_run_answer] = True
    return st.context.render.json(names.created, st.send_answer(st, payload))


def webhook(call: WebhookCall, st: Stages) -> Response:
    """Register (POST), read (GET), change (PUT) or remove (DELETE) the caller's webhook."""
    ctx, company = st.context, call.caller.company
    codes, found = ctx.contract.codes, call.found
    if call.op == Operation.WEBHOOK_DELETE:
        ctx.webhooks.remove(company)
        return Response(codes.no_content, b"", b"")
    if found is not None and call.op in (Operation.WEBHOOK_GET, Operation.WEBHOOK_CREATE):
        # A POST reaches here with one configured only where a defect lets it: it changes nothing.
        return ctx.render.json(codes.ok, st.registration_body(st, found))
    url = call.callback_url or ""
    if call.op == Operation.WEBHOOK_UPDATE and found is not None:
        moved = found.moved_to(url)
        ctx.webhooks.put(company, moved)
        return ctx.render.json(codes.ok, st.registration_body(st, moved))
    created = Registration(new_id(st), url, lifecycle.format_time(ctx.clock()))
    ctx.webhooks.put(company, created)
    return ctx.render.json(codes.created, st.registration_body(st, created))


def answer(call: Call, st: Stages) -> Response:
    """The answer to `call`, by its operation's handler."""
    if isinstance(call, LookupCall):
        return lookup(call, st)
    if isinstance(call, BatchCall):
        return batch(call, st)
    if isinstance(call, WebhookCall):
        return webhook(call, st)
    return send(call, st)


def new_id(st: Stages) -> str:
    """A fresh platform-assigned id."""
    return f"{st.context.config.id_prefix}{uuid.uuid4().hex}"


def new_message(st: Stages, channel: str, company: str, number: str) -> Message:
    """A message to `number` accepted now, with its whole lifecycle laid out."""
    recipient = st.context.contract.recipient_for(number)
    sent_at = st.context.clock()
    step_s = st.context.config.step_for(channel)
    return Message(
        id=new_id(st),
        channel=channel,
        company=company,
        to=number,
        recipient=recipient,
        sent_at=sent_at,
        step_s=step_s,
        steps=lifecycle.timeline(recipient, sent_at, step_s, st.context.contract),
    )


class Dispatcher:
    """Answers a routed request: its checkpoints in the contract's order, its handler, then the last look."""

    __slots__ = ("limited", "order", "st")

    def __init__(self, st: Stages) -> None:
        self.st = st
        #: A rate limit is on: answers to a valid key carry the rate-limit headers.
        self.limited = not st.limit.unlimited
        self.order = roles(st.order, limited=self.limited)

    def __call__(self, request: Request, routing: Routing) -> Response:
        """The answer to `request`, which asks for `routing`."""
        st = self.st
        heard = hear(request, routing, st)
        if isinstance(heard, Refused):
            refusal, decision = judge(heard, self.order, st)
            return self._finish(routing, refusal, heard.caller, decision)
        caller = heard.caller
        if not self.limited:
            return st.respond(st, routing, answer(heard, st))
        # Every other checkpoint passed: only the rate limit may still refuse.
        decision = st.rate_limit(st, caller.key)
        if not decision.allowed:
            return self._finish(routing, st.render_throttled(st, decision), caller, decision)
        return self._finish(routing, answer(heard, st), caller, decision)

    def fail(self, request: Request, routing: Routing, error: ApiError) -> Response:
        """Answer `error` to `request` as any refusal is answered (rate-limit headers, last look)."""
        found = self.st.authenticate(self.st, request)
        return self._finish(routing, error, None if isinstance(found, ApiError) else found, None)

    def _finish(
        self, routing: Routing, outcome: Refusal, caller: Caller | None, decision: Decision | None
    ) -> Response:
        """Render an error, add the rate-limit headers, and let the last stage see it."""
        st = self.st
        response = st.render_error(st, routing.op, outcome) if isinstance(outcome, ApiError) else outcome
        if self.limited and caller is not None:
            # Refused before the rate limit was asked: report the key's standing, count nothing.
            standing = decision if decision is not None else st.peek_rate(st, caller.key)
            extra = st.limit_headers(st, standing)
            if extra:
                response = response.with_headers(extra)
        return st.respond(st, routing, response)
