"""Defects of the send operation: lax validation, an answer without the id, 500s to non-JSON bodies."""

from __future__ import annotations

from dataclasses import replace

from gatewatch.contract.operations import Operation
from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.errors import INTERNAL_ERROR, ApiError, ErrorKind
from gatewatch.simulator.http import TEXT_TYPE, Response
from gatewatch.simulator.stages import Payload, Stages

# Python's `$` also matches before one final newline: the bug this defect plays.
_NEWLINE = "\n"


@defect(
    name="send_accepts_invalid",
    rule="send_validation",
    description="The recipient number is not validated: a send to 'not-a-number' is accepted.",
)
def send_accepts_invalid(st: Stages) -> Stages:
    validator = st.context.contract.validator(st.context.contract.schema_file("send_request"))
    destination = st.context.names.destination

    def validate_send(st: Stages, body: object) -> list[str]:
        return [
            error.message
            for error in validator.iter_errors(body)
            if not (error.absolute_path and error.absolute_path[0] == destination)
        ]

    return replace(st, validate_send=validate_send)


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
def destination_newline_accepted(st: Stages) -> Stages:
    validate, read = st.validate_send, st.destination
    field = st.context.names.destination

    def validate_send(st: Stages, body: object) -> list[str]:
        return validate(st, _strip_one_newline(body, field))

    def destination(st: Stages, body: object) -> str:
        return read(st, _strip_one_newline(body, field))

    return replace(st, validate_send=validate_send, destination=destination)


@defect(
    name="send_missing_id",
    rule="send_accepted",
    description="A successful send answers without customerMessageId.",
)
def send_missing_id(st: Stages) -> Stages:
    inner = st.send_answer
    send_id = st.context.names.send_id

    def send_answer(st: Stages, body: Payload) -> Payload:
        body = inner(st, body)
        body.pop(send_id, None)
        return body

    return replace(st, send_answer=send_answer)


def _not_json_send(op: Operation | None, error: ApiError) -> bool:
    """The send's bad_request checkpoint refused the body because it is not JSON at all."""
    return op == Operation.SEND and error.kind == ErrorKind.INVALID_JSON


@defect(
    name="send_not_json_500",
    rule="server_error_retried",
    description="A send whose body is not JSON answers 500 (with the error body), on every retry.",
)
def send_not_json_500(st: Stages) -> Stages:
    inner = st.render_error

    def render_error(st: Stages, op: Operation | None, error: ApiError) -> Response:
        return inner(st, op, INTERNAL_ERROR if _not_json_send(op, error) else error)

    return replace(st, render_error=render_error)


@defect(
    name="send_not_json_500_page",
    rule="server_error_retried",
    description="A send whose body is not JSON answers 500 with a plain-text page, on every retry.",
)
def send_not_json_500_page(st: Stages) -> Stages:
    inner, render = st.render_error, st.context.render

    def render_error(st: Stages, op: Operation | None, error: ApiError) -> Response:
        if not _not_json_send(op, error):
            return inner(st, op, error)
        status = render.status(INTERNAL_ERROR)
        return Response(status, f"{status} Internal Server Error".encode(), TEXT_TYPE)

    return replace(st, render_error=render_error)
