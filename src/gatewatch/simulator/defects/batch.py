"""Defects of the batch lookup: stale answers, lost or repeated ids, no limit."""

from __future__ import annotations

from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.lifecycle import Step
from gatewatch.simulator.stages import Payload, Stages, split_ids
from gatewatch.simulator.store import Message
from gatewatch.simulator.wire import BATCH, NOT_FOUND, STATUSES, ApiError, Code, Request


@defect(
    name="batch_stale",
    rule="batch_agrees_with_single",
    description="Batch answers come from a cache filled at send time (SENT after DELIVERED).",
)
def batch_stale(st: Stages) -> None:
    inner = st.view

    def view(request: Request, message: Message, now: float) -> Step:
        if request.op == BATCH:
            return message.steps[0]
        return inner(request, message, now)

    st.view = view


@defect(
    name="batch_drops_unknown",
    rule="batch_partition",
    description="Ids that are not found are left out of notFound (it is always empty).",
)
def batch_drops_unknown(st: Stages) -> None:
    inner = st.payload

    def payload(request: Request, body: Payload) -> Payload:
        body = inner(request, body)
        if request.op == BATCH:
            body[NOT_FOUND] = []
        return body

    st.payload = payload


@defect(
    name="batch_duplicates",
    rule="batch_partition",
    description="The first id of a batch answer is listed twice.",
)
def batch_duplicates(st: Stages) -> None:
    inner = st.payload

    def payload(request: Request, body: Payload) -> Payload:
        body = inner(request, body)
        if request.op == BATCH:
            if body[STATUSES]:
                body[STATUSES].append(dict(body[STATUSES][0]))
            elif body[NOT_FOUND]:
                body[NOT_FOUND].append(body[NOT_FOUND][0])
        return body

    st.payload = payload


@defect(
    name="batch_no_limit",
    rule="batch_limits",
    description="A batch with more ids than the limit is answered 200 instead of 400.",
)
def batch_no_limit(st: Stages) -> None:
    inner = st.parse_ids
    separator = st.contract.batch_separator

    def parse_ids(request: Request, values: list[str]) -> list[str] | ApiError:
        result = inner(request, values)
        if isinstance(result, ApiError) and result.code == Code.TOO_MANY_IDS:
            return split_ids(values[0], separator)
        return result

    st.parse_ids = parse_ids
