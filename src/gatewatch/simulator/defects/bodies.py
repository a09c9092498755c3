"""Defects in the 200 bodies: statuses, reasons, echoed fields, timestamps, content type."""

from __future__ import annotations

from dataclasses import replace

from gatewatch.contract import Contract
from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.http import TEXT_TYPE, Response, is_success
from gatewatch.simulator.routes import Routing
from gatewatch.simulator.stages import Payload, Stages

# A status some gateways use for in-flight messages; the contract's enum lacks it.
_FOREIGN_STATUS = "PENDING"


@defect(
    name="status_lowercase",
    rule="status_in_enum",
    description="deliveryStato is spelled in lower case (e.g. 'delivered').",
)
def status_lowercase(st: Stages) -> Stages:
    inner = st.status_body
    status = st.context.names.status

    def status_body(st: Stages, body: Payload) -> Payload:
        body = inner(st, body)
        body[status] = str(body[status]).lower()
        return body

    return replace(st, status_body=status_body)


@defect(
    name="status_not_in_enum",
    rule="status_in_enum",
    description=f"A message in its initial status (e.g. SENT) answers {_FOREIGN_STATUS}.",
)
def status_not_in_enum(st: Stages) -> Stages:
    inner = st.status_body
    initial = st.context.contract.initial_statuses
    status = st.context.names.status

    def status_body(st: Stages, body: Payload) -> Payload:
        body = inner(st, body)
        if body[status] in initial:
            body[status] = _FOREIGN_STATUS
        return body

    return replace(st, status_body=status_body)


@defect(
    name="error_without_reason",
    rule="error_has_reason",
    description="A status that needs a reason (ERROR) has a null deliveryStatoDescription.",
)
def error_without_reason(st: Stages) -> Stages:
    inner = st.status_body
    needs_reason = st.context.contract.needs_reason
    status, description = st.context.names.status, st.context.names.description

    def status_body(st: Stages, body: Payload) -> Payload:
        body = inner(st, body)
        if body[status] in needs_reason:
            body[description] = None
        return body

    return replace(st, status_body=status_body)


@defect(
    name="echo_id_wrong",
    rule="echo_id",
    description="customerMessageId is echoed normalised (lower-cased), not as asked.",
)
def echo_id_wrong(st: Stages) -> Stages:
    inner = st.status_body
    id_ = st.context.names.id

    def status_body(st: Stages, body: Payload) -> Payload:
        body = inner(st, body)
        body[id_] = str(body[id_]).strip().lower()
        return body

    return replace(st, status_body=status_body)


@defect(
    name="echo_channel_wrong",
    rule="echo_channel",
    description="channel in the body is another channel than the one asked (off by one).",
)
def echo_channel_wrong(st: Stages) -> Stages:
    inner = st.status_body
    channels = st.context.contract.channels
    following = {channel: channels[(i + 1) % len(channels)] for i, channel in enumerate(channels)}
    field = st.context.names.channel

    def status_body(st: Stages, body: Payload) -> Payload:
        body = inner(st, body)
        body[field] = following.get(body[field], body[field])
        return body

    return replace(st, status_body=status_body)


@defect(
    name="updated_at_naive",
    rule="updated_at_format",
    description="updatedAt has no time zone (a naive local timestamp).",
)
def updated_at_naive(st: Stages) -> Stages:
    inner = st.status_body
    updated_at = st.context.names.updated_at

    def status_body(st: Stages, body: Payload) -> Payload:
        body = inner(st, body)
        body[updated_at] = str(body[updated_at]).removesuffix("Z").removesuffix("+00:00")
        return body

    return replace(st, status_body=status_body)


@defect(
    name="wrong_content_type",
    rule="content_type_json",
    description="Successful answers are labelled text/plain (the body is still JSON).",
)
def wrong_content_type(st: Stages) -> Stages:
    inner = st.respond
    json_type = st.context.names.json_type

    def respond(st: Stages, routing: Routing, response: Response) -> Response:
        response = inner(st, routing, response)
        if is_success(response.status) and response.content_type == json_type:
            return Response(response.status, response.body, TEXT_TYPE, response.headers)
        return response

    return replace(st, respond=respond)


def _english(contract: Contract) -> tuple[str, str] | None:
    """The other documented names of the status and description fields, if both have one."""
    found = []
    for name in (contract.fields.status, contract.fields.description):
        aliases = contract.aliases_of(name)
        if aliases is None or not aliases[1]:
            return None
        found.append(aliases[1][0])
    return found[0], found[1]


@defect(
    name="status_field_english",
    rule="response_schema",
    description="The status and description fields come under the docs' other names (deliveryStatus...).",
    applies=lambda contract: _english(contract) is not None,
)
def status_field_english(st: Stages) -> Stages:
    other = _english(st.context.contract)
    if other is None:
        return st
    inner = st.status_body
    renames = dict(zip((st.context.names.status, st.context.names.description), other, strict=True))

    def status_body(st: Stages, body: Payload) -> Payload:
        body = inner(st, body)
        return {renames.get(name, name): value for name, value in body.items()}

    return replace(st, status_body=status_body)
