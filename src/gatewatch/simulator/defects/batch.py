"""Defects of the batch lookup: stale answers, lost, invented or repeated entries, no limit, 404s."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from gatewatch.contract import Contract
from gatewatch.contract.operations import Operation
from gatewatch.simulator import lifecycle
from gatewatch.simulator.defects._support import (
    array_batch,
    object_batch,
    other_dialect,
    unsettled_recipient,
)
from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.errors import MESSAGE_NOT_FOUND, ApiError, ErrorKind
from gatewatch.simulator.http import Response, encode
from gatewatch.simulator.lifecycle import Step
from gatewatch.simulator.routes import Routing
from gatewatch.simulator.stages import Payload, Stages, split_ids
from gatewatch.simulator.store import Message


@defect(
    name="batch_stale",
    rule="batch_agrees_with_single",
    description="Batch answers come from a cache filled at send time (SENT after DELIVERED).",
)
def batch_stale(st: Stages) -> Stages:
    inner = st.view

    def view(st: Stages, op: Operation, message: Message, now: float) -> Step:
        if op == Operation.BATCH:
            return message.steps[0]
        return inner(st, op, message, now)

    return replace(st, view=view)


@defect(
    name="batch_drops_unknown",
    rule="batch_entries",
    description="Ids that are not found are left out of the not-found list (it is always empty).",
    applies=object_batch,
)
def batch_drops_unknown(st: Stages) -> Stages:
    inner = st.batch_body

    def batch_body(st: Stages, channel: str, found: list[Payload], missing: list[str]) -> object:
        return inner(st, channel, found, [])

    return replace(st, batch_body=batch_body)


@defect(
    name="batch_duplicates",
    rule="batch_entries",
    description="The first entry of a batch answer is listed twice (or the first not-found id).",
)
def batch_duplicates(st: Stages) -> Stages:
    inner = st.batch_body

    def batch_body(st: Stages, channel: str, found: list[Payload], missing: list[str]) -> object:
        if found:
            return inner(st, channel, [*found, dict(found[0])], missing)
        return inner(st, channel, found, [*missing, *missing[:1]])

    return replace(st, batch_body=batch_body)


@defect(
    name="batch_drops_existing",
    rule="batch_entries",
    description="Of two or more found entries the last is left out (nor listed as not found).",
)
def batch_drops_existing(st: Stages) -> Stages:
    inner = st.batch_body

    def batch_body(st: Stages, channel: str, found: list[Payload], missing: list[str]) -> object:
        return inner(st, channel, found[:-1] if len(found) >= 2 else found, missing)

    return replace(st, batch_body=batch_body)


@defect(
    name="batch_unknown_as_unknown",
    rule="batch_entries",
    description="Ids that match no message come back as entries with the no-news status (UNKNOWN).",
    applies=array_batch,
)
def batch_unknown_as_unknown(st: Stages) -> Stages:
    inner = st.batch_body
    recipient = unsettled_recipient(st.context.contract)

    def batch_body(st: Stages, channel: str, found: list[Payload], missing: list[str]) -> object:
        step = lifecycle.timeline(recipient, st.context.clock(), 0.0, st.context.contract)[-1]
        invented = [st.make_body(st, message_id, channel, step) for message_id in missing]
        return inner(st, channel, [*found, *invented], [])

    return replace(st, batch_body=batch_body)


@defect(
    name="batch_404_when_none",
    rule="batch_entries",
    description="A batch where no id matches answers 404 instead of 200 with an empty array.",
    applies=array_batch,
)
def batch_404_when_none(st: Stages) -> Stages:
    inner = st.respond
    empty = encode([])
    ok = st.context.names.ok

    def respond(st: Stages, routing: Routing, response: Response) -> Response:
        response = inner(st, routing, response)
        if routing.op == Operation.BATCH and response.status == ok and response.body == empty:
            return st.render_error(st, routing.op, MESSAGE_NOT_FOUND)
        return response

    return replace(st, respond=respond)


def _object_dialect(contract: Contract) -> Contract | None:
    """A dialect whose batch answer is the object of two lists, when `contract`'s is an array."""
    if not contract.batch.array:
        return None
    return other_dialect(contract, lambda c: c.batch.array)


@defect(
    name="batch_object_shape",
    rule="response_schema",
    description="The batch answers the other dialect's object of found and not-found lists, not an array.",
    applies=lambda contract: _object_dialect(contract) is not None,
)
def batch_object_shape(st: Stages) -> Stages:
    other = _object_dialect(st.context.contract)
    if other is None:
        return st
    # What the other dialect calls the two lists, read from its contract.
    statuses, not_found = other.batch.statuses, other.batch.not_found

    def batch_body(st: Stages, channel: str, found: list[Payload], missing: list[str]) -> object:
        return {statuses: found, not_found: missing}

    return replace(st, batch_body=batch_body)


def _limit_refuses(contract: Contract) -> bool:
    return contract.codes.ok not in contract.batch.over_limit_codes


@defect(
    name="batch_no_limit",
    rule="batch_limits",
    description="A batch with more ids than the limit is answered 200 instead of refused.",
    applies=_limit_refuses,
)
def batch_no_limit(st: Stages) -> Stages:
    inner = st.parse_ids
    separator = st.context.names.separator

    def parse_ids(st: Stages, values: Sequence[str]) -> list[str] | ApiError:
        result = inner(st, values)
        if isinstance(result, ApiError) and result.kind == ErrorKind.TOO_MANY_IDS:
            return split_ids(values[0], separator)
        return result

    return replace(st, parse_ids=parse_ids)
