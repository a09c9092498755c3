"""Defects of the send operation: lax validation and an answer without the id."""

from __future__ import annotations

from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.stages import Payload, Stages
from gatewatch.simulator.wire import ID, SEND, TO, Request


@defect(
    name="send_accepts_invalid",
    rule="send_validation",
    description="The recipient number is not validated: a send to 'not-a-number' answers 201.",
)
def send_accepts_invalid(st: Stages) -> None:
    validator = st.contract.validator("send-request.json")

    def validate_send(request: Request, body: object) -> list[str]:
        return [
            error.message
            for error in validator.iter_errors(body)
            if not (error.absolute_path and error.absolute_path[0] == TO)
        ]

    st.validate_send = validate_send


@defect(
    name="send_missing_id",
    rule="send_accepted",
    description="A successful send answers 201 without customerMessageId.",
)
def send_missing_id(st: Stages) -> None:
    inner = st.payload

    def payload(request: Request, body: Payload) -> Payload:
        body = inner(request, body)
        if request.op == SEND:
            body.pop(ID, None)
        return body

    st.payload = payload
