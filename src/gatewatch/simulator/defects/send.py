"""Defects of the send operation: lax validation and an answer without the id."""

from __future__ import annotations

from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.stages import Payload, Stages
from gatewatch.simulator.wire import Request

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
