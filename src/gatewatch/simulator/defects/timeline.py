"""Defects of the lifecycle over time: regressions, flips, stuck messages, clocks going back."""

from __future__ import annotations

from dataclasses import replace

from gatewatch.contract.operations import Operation
from gatewatch.simulator.defects._support import Counts, delivered_status, expiry_statuses
from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.lifecycle import Step, format_time
from gatewatch.simulator.stages import Stages
from gatewatch.simulator.store import Message

# Regressions show on every 3rd answer once final: "after a couple of lookups".
_REGRESS_EVERY = 3
# A failed message flips after this many answers of its final status.
_FLIP_AFTER = 2
# The lagging replica's clock is an hour behind.
_SKEW_S = 3600.0


@defect(
    name="delivered_regresses",
    rule="final_status_stable",
    description="A final status (e.g. DELIVERED) shows the step before it again on every 3rd answer.",
)
def delivered_regresses(st: Stages) -> Stages:
    inner = st.view
    answers = Counts()

    def view(st: Stages, op: Operation, message: Message, now: float) -> Step:
        step = inner(st, op, message, now)
        steps = message.steps
        if len(steps) < 2 or step is not steps[-1] or not st.context.contract.is_final(step.status):
            return step
        if answers.bump(message.id) % _REGRESS_EVERY:
            return step
        # A stale replica: the previous status, though updatedAt still moves forward.
        return replace(steps[-2], at=step.at, updated_at=step.updated_at)

    return replace(st, view=view)


@defect(
    name="final_flips",
    rule="final_status_stable",
    description="A failed final status (e.g. ERROR) later turns into the delivered one.",
)
def final_flips(st: Stages) -> Stages:
    inner = st.view
    delivered = delivered_status(st.context.contract)
    answers = Counts()
    flipped: dict[str, Step] = {}

    def view(st: Stages, op: Operation, message: Message, now: float) -> Step:
        late = flipped.get(message.id)
        if late is not None:
            return late
        step = inner(st, op, message, now)
        if step.status == delivered or not st.context.contract.is_final(step.status):
            return step
        if answers.bump(message.id) <= _FLIP_AFTER:
            return step
        # A late delivery receipt overrides the failure, with a fresh updatedAt.
        late = Step(delivered, now, format_time(now), None)
        if len(flipped) < st.context.config.max_messages:
            flipped[message.id] = late
        return late

    return replace(st, view=view)


@defect(
    name="expired_never",
    rule="recipient_outcome",
    description="A message that should expire (the EXPIRED recipient) stays in its first status.",
)
def expired_never(st: Stages) -> Stages:
    inner = st.view
    expiring = expiry_statuses(st.context.contract)

    def view(st: Stages, op: Operation, message: Message, now: float) -> Step:
        if message.recipient.final_status in expiring:
            return message.steps[0]
        return inner(st, op, message, now)

    return replace(st, view=view)


@defect(
    name="updated_at_backwards",
    rule="updated_at_monotonic",
    description="Every 2nd answer for a message comes from a replica whose clock is an hour behind.",
)
def updated_at_backwards(st: Stages) -> Stages:
    inner = st.view
    answers = Counts()

    def view(st: Stages, op: Operation, message: Message, now: float) -> Step:
        step = inner(st, op, message, now)
        if answers.bump(message.id) % 2:
            return step
        behind = step.at - _SKEW_S
        return replace(step, at=behind, updated_at=format_time(behind))

    return replace(st, view=view)
