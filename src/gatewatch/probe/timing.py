"""When each status happened, from when the probe saw it: a bracket and an estimate inside it.

A status change happened after the server answered the previous status and before it
answered the new one, so it lies between the start of the last lookup that saw the old
status and the end of the first lookup that saw the new one. The answer's `updatedAt`
(the server's clock) places it inside that bracket.

The server's clock may be off. Every bracket bounds that offset (the change's updatedAt,
corrected, must fall inside it), and the send's bracket, a few milliseconds wide, bounds
it tightly once the first status's updatedAt (the creation) is seen. The offset used is
the smallest correction all brackets allow (none when the clocks agree); each estimate
is then clamped to its own bracket, so even inconsistent server times cannot push the
error past the polling interval. Without a usable updatedAt the estimate is the
bracket's middle. Times are on the probe's monotonic clock; `epoch_offset` converts the
server's wall-clock times onto it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StatusTiming:
    """One status as the probe saw it: when it started, in seconds after the send."""

    status: str
    at_s: float  # the estimate
    earliest_s: float
    latest_s: float
    server_placed: bool  # True when updatedAt placed it inside the bracket

    @property
    def bound_s(self) -> float:
        """The most the estimate can be off by: the bracket's width."""
        return self.latest_s - self.earliest_s


@dataclass(frozen=True, slots=True)
class _Change:
    status: str
    earliest: float
    latest: float
    server: float | None  # updatedAt on the monotonic clock, before any skew correction


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


class Timeline:
    """The statuses of one message, each bracketed by the lookups around its change."""

    def __init__(self, sent_asked: float, sent_answered: float, epoch_offset: float) -> None:
        self._sent = (sent_asked, sent_answered)
        self._epoch_offset = epoch_offset  # wall-clock seconds minus monotonic seconds
        self._created: float | None = None  # the first status's updatedAt, when it is the creation
        self._changes: list[_Change] = []
        self._last_status: str | None = None
        self._last_asked = sent_asked

    @property
    def last_status(self) -> str | None:
        """The status the latest readable answer showed."""
        return self._last_status

    def observe(
        self, asked: float, answered: float, status: str, updated_at: datetime | None, *, initial: bool
    ) -> bool:
        """Take one readable answer into account; True when the status changed."""
        changed = status != self._last_status
        if changed:
            server = updated_at.timestamp() - self._epoch_offset if updated_at is not None else None
            if self._last_status is None and initial:
                self._created = server  # a first status's updatedAt is when the message was created
            self._changes.append(_Change(status, self._last_asked, answered, server))
            self._last_status = status
        self._last_asked = asked
        return changed

    def skew(self) -> float:
        """How far the server's clock is ahead of ours: the smallest value every bracket allows."""
        low, high = -float("inf"), float("inf")
        constraints = [(c.server, c.earliest, c.latest) for c in self._changes if c.server is not None]
        if self._created is not None:
            constraints.append((self._created, *self._sent))
        for server, earliest, latest in constraints:
            assert server is not None
            low, high = max(low, server - latest), min(high, server - earliest)
        if not constraints or low > high:
            return 0.0  # nothing to go by, or server times that no constant offset explains
        return _clamp(0.0, low, high)

    @property
    def origin(self) -> float:
        """The best estimate of when the gateway created the message (monotonic seconds)."""
        if self._created is None:
            return (self._sent[0] + self._sent[1]) / 2
        return _clamp(self._created - self.skew(), *self._sent)

    def timings(self) -> tuple[StatusTiming, ...]:
        """Every change seen, in order, relative to the send."""
        skew, origin = self.skew(), self.origin
        found = []
        for change in self._changes:
            if change.server is not None:
                estimate = _clamp(change.server - skew, change.earliest, change.latest)
            else:
                estimate = (change.earliest + change.latest) / 2
            found.append(
                StatusTiming(
                    status=change.status,
                    at_s=max(0.0, estimate - origin),
                    earliest_s=max(0.0, change.earliest - origin),
                    latest_s=max(0.0, change.latest - origin),
                    server_placed=change.server is not None,
                )
            )
        return tuple(found)
