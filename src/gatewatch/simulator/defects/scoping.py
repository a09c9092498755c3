"""Defects of scoping and parameter handling: channel, company, unknown and unusual ids."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from gatewatch.contract.operations import Operation
from gatewatch.simulator import lifecycle
from gatewatch.simulator.defects._support import unsettled_recipient
from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.errors import INTERNAL_ERROR, ApiError, ErrorKind
from gatewatch.simulator.stages import Stages
from gatewatch.simulator.store import Message

# Bytes an id may hold without percent-encoding (RFC 3986 unreserved).
_PLAIN_ID = re.compile(rb"^[A-Za-z0-9._~-]+$")


Leak = Callable[[Message, str, str], bool]


def _leaky_find(st: Stages, leaky_op: Operation, leak: Leak) -> Stages:
    """Wrap `find` so that, for `leaky_op`, a message it misses is found anyway when `leak` says so.

    `leak(message, channel, company)` judges a message that exists under another scope.
    """
    inner = st.find

    def find(st: Stages, op: Operation, message_id: str, channel: str, company: str) -> Message | None:
        found = inner(st, op, message_id, channel, company)
        if found is None and op == leaky_op:
            elsewhere = st.context.store.get(message_id)
            if elsewhere is not None and leak(elsewhere, channel, company):
                return elsewhere
        return found

    return replace(st, find=find)


@defect(
    name="channel_mismatch_found",
    rule="channel_scoped",
    description="A single lookup with another channel than the send's finds the message (200).",
)
def channel_mismatch_found(st: Stages) -> Stages:
    return _leaky_find(st, Operation.LOOKUP, lambda message, channel, company: message.company == company)


@defect(
    name="tenant_leak_single",
    rule="company_scoped",
    description="A single lookup finds another company's message (200 instead of 404).",
)
def tenant_leak_single(st: Stages) -> Stages:
    return _leaky_find(st, Operation.LOOKUP, lambda message, channel, company: message.channel == channel)


@defect(
    name="tenant_leak_batch",
    rule="batch_scoped",
    description="A batch lookup returns another company's messages among its entries.",
)
def tenant_leak_batch(st: Stages) -> Stages:
    return _leaky_find(st, Operation.BATCH, lambda message, channel, company: message.channel == channel)


@defect(
    name="batch_ignores_channel",
    rule="batch_scoped",
    description="A batch lookup returns the company's messages of any channel, not just the one asked.",
)
def batch_ignores_channel(st: Stages) -> Stages:
    return _leaky_find(st, Operation.BATCH, lambda message, channel, company: message.company == company)


@defect(
    name="unknown_id_200_unknown",
    rule="unknown_id_not_found",
    description="A single lookup of an id that was never sent answers 200 with status UNKNOWN.",
)
def unknown_id_200_unknown(st: Stages) -> Stages:
    inner = st.find
    recipient = unsettled_recipient(st.context.contract)

    def find(st: Stages, op: Operation, message_id: str, channel: str, company: str) -> Message | None:
        found = inner(st, op, message_id, channel, company)
        if found is None and op == Operation.LOOKUP and st.context.store.get(message_id) is None:
            now = st.context.clock()
            return Message(
                id=message_id,
                channel=channel,
                company=company,
                to="",
                recipient=recipient,
                sent_at=now,
                step_s=0.0,
                steps=lifecycle.timeline(recipient, now, 0.0, st.context.contract),
            )
        return found

    return replace(st, find=find)


@defect(
    name="channel_case_insensitive",
    rule="channel_param_validated",
    description="The channel parameter is matched ignoring case ('sms' is accepted, not 400).",
)
def channel_case_insensitive(st: Stages) -> Stages:
    inner = st.parse_channel
    folded = {channel.casefold(): channel for channel in st.context.contract.channels}

    def parse_channel(st: Stages, values: Sequence[str]) -> str | ApiError:
        result = inner(st, values)
        if isinstance(result, ApiError) and len(values) == 1:
            return folded.get(values[0].casefold(), result)
        return result

    return replace(st, parse_channel=parse_channel)


@defect(
    name="missing_channel_500",
    rule="channel_param_validated",
    description="A lookup or batch without the channel parameter answers 500 instead of 400.",
)
def missing_channel_500(st: Stages) -> Stages:
    inner = st.parse_channel

    def parse_channel(st: Stages, values: Sequence[str]) -> str | ApiError:
        result = inner(st, values)
        if isinstance(result, ApiError) and result.kind == ErrorKind.MISSING_CHANNEL:
            return INTERNAL_ERROR
        return result

    return replace(st, parse_channel=parse_channel)


@defect(
    name="unusual_id_500",
    rule="unknown_id_not_found",
    description="An id with reserved, unicode or percent-encoded characters answers 500.",
)
def unusual_id_500(st: Stages) -> Stages:
    inner = st.decode_id

    def decode_id(st: Stages, raw: bytes) -> str | ApiError:
        if not _PLAIN_ID.match(raw):
            return INTERNAL_ERROR
        return inner(st, raw)

    return replace(st, decode_id=decode_id)
