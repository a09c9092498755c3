"""Defects of the send operation: lax validation, an answer without the id, 500s to non-JSON bodies."""

from __future__ import annotations

from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.errors import INTERNAL_ERROR, ApiError, Kind
from gatewatch.simulator.stages import Payload, Stages
from gatewatch.simulator.wire import SEND, TEXT_TYPE, Request, Response

# Python's `$` also matches before one final newline: the bug this defect plays.
_NEWLINE = "\n"


@defect(
    name="send_accepts_invalid",
    rule="send_validation",
    description="The recipient number is not validated: a send to 'not-a-number' is accepted.",
)
def send_accepts_invalid(st: Stages) -> None:
    validator = st.contract.validator(st.contract.schema_file("send_request"))
    destination = st.names.destination

    def validate_send(request: Request, body: object) -> list[str]:
        return [
            error.message
            for error in validator.iter_errors(body)
            if not (error.absolute_path and error.absolute_path[0] == destination)
        ]

    st.validate_send = validate_send


def _strip_one_newline(body: object, field: str) -> object:
    if isinstance(body, dict):
        value = body.get(field)
        if isinstance(value, str) and value.endswith(_NEWLINE):
            return {**body, field: value[: -len(_NEWLINE)]}
    return body


@defect(
    name="destination_newline_accepted",
    rule="send_validation",
    description="A recipient with a trailing newline is accepted (Python's '$'); it is stored stripped.",
)
def destination_newline_accepted(st: Stages) -> None:
    validate, read = st.validate_send, st.destination
    field = st.names.destination

    def validate_send(request: Request, body: object) -> list[str]:
        return validate(request, _strip_one_newline(body, field))

    def destination(request: Request, body: object) -> str:
        return read(request, _strip_one_newline(body, field))

    st.validate_send = validate_send
    st.destination = destination


@defect(
    name="send_missing_id",
    rule="send_accepted",
    description="A successful send answers without customerMessageId.",
)
def send_missing_id(st: Stages) -> None:
    inner = st.send_answer
    send_id = st.names.send_id

    def send_answer(request: Request, body: Payload) -> Payload:
        body = inner(request, body)
        body.pop(send_id, None)
        return body

    st.send_answer = send_answer


def _not_json_send(request: Request, error: ApiError) -> bool:
    """The send gate refused the body because it is not JSON at all."""
    return request.op == SEND and error.kind == Kind.INVALID_JSON


@defect(
    name="send_not_json_500",
    rule="server_error_retried",
    description="A send whose body is not JSON answers 500 (with the error body), on every retry.",
)
def send_not_json_500(st: Stages) -> None:
    inner = st.render_error

    def render_error(request: Request, error: ApiError) -> Response:
        return inner(request, INTERNAL_ERROR if _not_json_send(request, error) else error)

    st.render_error = render_error


@defect(
    name="send_not_json_500_page",
    rule="server_error_retried",
    description="A send whose body is not JSON answers 500 with a plain-text page, on every retry.",
)
def send_not_json_500_page(st: Stages) -> None:
    inner, render = st.render_error, st.render

    def render_error(request: Request, error: ApiError) -> Response:
        if not _not_json_send(request, error):
            return inner(request, error)
        status = render.status(INTERNAL_ERROR)
        return Response(status, f"{status} Internal Server Error".encode(), TEXT_TYPE)

    st.render_error = render_error
