"""A message's lifecycle as a pure function of the time since it was sent.

Step k of the recipient's path is reached at ``sent_at + k * step_s``; the status at any
moment is the last step reached by then, and updatedAt is the moment that step was
reached. Every step is computed once, at send time, so a lookup only compares floats,
and the same steps are the true timeline a probe benchmark measures itself against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from gatewatch.contract import Contract, Recipient

# Used only when a contract's recipient reaches a status that needs a reason but names
# none: answering null would break the rule the simulator is meant to honour.
_FALLBACK_REASON = "no reason given by the carrier"


def format_time(epoch: float) -> str:
    """RFC 3339 UTC with millisecond precision and a `Z`, as updatedAt carries it."""
    stamp = datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Step:
    """One status of a message's timeline: what a lookup answers from `at` on."""

    status: str
    #: When the step is reached (seconds since the epoch).
    at: float
    #: `at` as updatedAt shows it.
    updated_at: str
    #: deliveryStatoDescription: the reason for statuses that need one, else None.
    description: str | None


def timeline(recipient: Recipient, sent_at: float, step_s: float, contract: Contract) -> tuple[Step, ...]:
    """The steps a message to `recipient` goes through, with the moment each is reached."""
    steps = []
    for index, status in enumerate(recipient.path):
        at = sent_at + index * step_s
        reason = None
        if status in contract.needs_reason:
            reason = recipient.reason or _FALLBACK_REASON
        steps.append(Step(status, at, format_time(at), reason))
    return tuple(steps)


def step_at(steps: tuple[Step, ...], now: float) -> Step:
    """The step a message shows at `now` (its first one before it was even sent)."""
    for step in reversed(steps):  # paths are a handful of steps long
        if now >= step.at:
            return step
    return steps[0]
