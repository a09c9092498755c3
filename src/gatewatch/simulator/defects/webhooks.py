"""Defects of the webhook registration: one per account, PUT that creates, DELETE's answer, HTTPS."""

from __future__ import annotations

from dataclasses import replace

from gatewatch.contract.operations import Operation
from gatewatch.simulator import lifecycle
from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.errors import ApiError
from gatewatch.simulator.http import Response
from gatewatch.simulator.registrations import Registration
from gatewatch.simulator.routes import Routing
from gatewatch.simulator.stages import Stages, plain_http_as


@defect(
    name="webhook_post_200_on_conflict",
    rule="webhook_one_per_account",
    description="A second POST answers 200 with the registration already there instead of 409.",
)
def webhook_post_200_on_conflict(st: Stages) -> Stages:
    def webhook_conflict(st: Stages, found: Registration) -> ApiError | None:
        return None

    return replace(st, webhook_conflict=webhook_conflict)


@defect(
    name="webhook_put_creates",
    rule="webhook_update",
    description="PUT with no webhook configured creates one (200) instead of answering 404.",
)
def webhook_put_creates(st: Stages) -> Stages:
    inner = st.find_webhook

    def find_webhook(st: Stages, op: Operation, company: str) -> Registration | None:
        found = inner(st, op, company)
        if found is None and op == Operation.WEBHOOK_UPDATE:
            # The handler moves this blank one to the PUT's URL and stores it.
            created_at = lifecycle.format_time(st.context.clock())
            return Registration(f"{st.context.config.id_prefix}hook", "", created_at)
        return found

    return replace(st, find_webhook=find_webhook)


@defect(
    name="webhook_delete_200_with_body",
    rule="webhook_delete",
    description="DELETE answers 200 with a JSON body instead of 204 with none.",
)
def webhook_delete_200_with_body(st: Stages) -> Stages:
    inner = st.respond
    no_content, ok = st.context.contract.codes.no_content, st.context.contract.codes.ok

    def respond(st: Stages, routing: Routing, response: Response) -> Response:
        if routing.op == Operation.WEBHOOK_DELETE and response.status == no_content:
            response = st.context.render.json(ok, {})
        return inner(st, routing, response)

    return replace(st, respond=respond)


@defect(
    name="webhook_http_accepted",
    rule="webhook_https_only",
    description="A plain-http callback URL to any host is registered instead of refused with 400.",
)
def webhook_http_accepted(st: Stages) -> Stages:
    inner = st.validate_callback

    def validate_callback(st: Stages, body: object) -> list[str]:
        reasons = inner(st, body)
        registration = st.context.contract.webhooks.registration
        if not reasons or not isinstance(body, dict):
            return reasons
        secured = plain_http_as(body.get(registration.callback_url), registration.scheme)
        return reasons if secured is None else inner(st, {**body, registration.callback_url: secured})

    return replace(st, validate_callback=validate_callback)
