"""Defects in the 200 bodies: statuses, reasons, echoed fields, timestamps, content type."""

from __future__ import annotations

from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.stages import Payload, Stages
from gatewatch.simulator.wire import (
    CHANNEL,
    DESCRIPTION,
    ID,
    JSON_TYPE,
    STATUS,
    TEXT_TYPE,
    UPDATED_AT,
    Request,
    Response,
)

# A status some gateways use for in-flight messages; the contract's enum lacks it.
_FOREIGN_STATUS = "PENDING"


@defect(
    name="status_lowercase",
    rule="status_in_enum",
    description="deliveryStato is spelled in lower case (e.g. 'delivered').",
)
def status_lowercase(st: Stages) -> None:
    inner = st.status_body

    def status_body(request: Request, body: Payload) -> Payload:
        body = inner(request, body)
        body[STATUS] = str(body[STATUS]).lower()
        return body

    st.status_body = status_body


@defect(
    name="status_not_in_enum",
    rule="status_in_enum",
    description=f"A message in its initial status (e.g. SENT) answers {_FOREIGN_STATUS}.",
)
def status_not_in_enum(st: Stages) -> None:
    inner = st.status_body
    initial = st.contract.initial_statuses

    def status_body(request: Request, body: Payload) -> Payload:
        body = inner(request, body)
        if body[STATUS] in initial:
            body[STATUS] = _FOREIGN_STATUS
        return body

    st.status_body = status_body


@defect(
    name="error_without_reason",
    rule="error_has_reason",
    description="A status that needs a reason (ERROR) has a null deliveryStatoDescription.",
)
def error_without_reason(st: Stages) -> None:
    inner = st.status_body
    needs_reason = st.contract.needs_reason

    def status_body(request: Request, body: Payload) -> Payload:
        body = inner(request, body)
        if body[STATUS] in needs_reason:
            body[DESCRIPTION] = None
        return body

    st.status_body = status_body


@defect(
    name="echo_id_wrong",
    rule="echo_id",
    description="customerMessageId is echoed normalised (lower-cased), not as asked.",
)
def echo_id_wrong(st: Stages) -> None:
    inner = st.status_body

    def status_body(request: Request, body: Payload) -> Payload:
        body = inner(request, body)
        body[ID] = str(body[ID]).strip().lower()
        return body

    st.status_body = status_body


@defect(
    name="echo_channel_wrong",
    rule="echo_channel",
    description="channel in the body is another channel than the one asked (off by one).",
)
def echo_channel_wrong(st: Stages) -> None:
    inner = st.status_body
    channels = st.contract.channels
    following = {channel: channels[(i + 1) % len(channels)] for i, channel in enumerate(channels)}

    def status_body(request: Request, body: Payload) -> Payload:
        body = inner(request, body)
        body[CHANNEL] = following.get(body[CHANNEL], body[CHANNEL])
        return body

    st.status_body = status_body


@defect(
    name="updated_at_naive",
    rule="updated_at_utc",
    description="updatedAt has no time zone (a naive local timestamp).",
)
def updated_at_naive(st: Stages) -> None:
    inner = st.status_body

    def status_body(request: Request, body: Payload) -> Payload:
        body = inner(request, body)
        body[UPDATED_AT] = str(body[UPDATED_AT]).removesuffix("Z").removesuffix("+00:00")
        return body

    st.status_body = status_body


@defect(
    name="wrong_content_type",
    rule="content_type_json",
    description="Successful answers are labelled text/plain (the body is still JSON).",
)
def wrong_content_type(st: Stages) -> None:
    inner = st.respond

    def respond(request: Request, response: Response) -> Response:
        response = inner(request, response)
        if 200 <= response.status < 300 and response.content_type == JSON_TYPE:
            return Response(response.status, response.body, TEXT_TYPE, response.headers)
        return response

    st.respond = respond
