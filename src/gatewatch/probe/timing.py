"""When each status happened, from when the probe saw it: a bracket and an estimate inside it.

A status change happened after the server answered the previous status and before it
answered the new one, so it lies between the start of the last lookup that saw the old
status and the end of the first lookup that saw the new one. The answer's `updatedAt`
(the server's clock) places it inside that bracket; it is clamped to the bracket, so
when the clocks disagree the error is still bounded by the polling interval. Without a
usable `updatedAt` the estimate is the bracket's middle. Times are on the probe's
monotonic clock; `epoch_offset` converts the server's wall-clock times onto it.
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

    def to_dict(self) -> dict[str, object]:
        """The JSON form the history stores."""
        return {
            "status": self.status,
            "at_s": round(self.at_s, 4),
            "bound_s": round(self.bound_s, 4),
            "server_placed": self.server_placed,
        }


@dataclass(slots=True)
class _Change:
    status: str
    earliest: float
    latest: float
    estimate: float
    server_placed: bool


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


class Timeline:
    """The statuses of one message, each bracketed by the lookups around its change."""

    def __init__(self, sent_asked: float, sent_answered: float, epoch_offset: float) -> None:
        self._sent = (sent_asked, sent_answered)
        self._epoch_offset = epoch_offset  # wall-clock seconds minus monotonic seconds
        self._origin = (sent_asked + sent_answered) / 2
        self._changes: list[_Change] = []
        self._last_status: str | None = None
        self._last_asked = sent_asked

    @property
    def last_status(self) -> str | None:
        """The status the latest readable answer showed."""
        return self._last_status

    def observe(
        self, asked: float, answered: float, status: str, updated_at: datetime | None, *, initial: bool
    ) -> StatusTiming | None:
        """Take one readable answer into account; the new status's timing when it changed."""
        changed: StatusTiming | None = None
        if status != self._last_status:
            earliest, latest = self._last_asked, answered
            server = self._to_monotonic(updated_at)
            placed = server is not None
            estimate = _clamp(server, earliest, latest) if server is not None else (earliest + latest) / 2
            if self._last_status is None and initial and server is not None:
                # The first status's updatedAt is when the message was created: the
                # send's bracket holds that moment more tightly than its middle does.
                self._origin = _clamp(server, *self._sent)
            self._changes.append(_Change(status, earliest, latest, estimate, placed))
            self._last_status = status
            changed = self._timing(self._changes[-1])
        self._last_asked = asked
        return changed

    def timings(self) -> tuple[StatusTiming, ...]:
        """Every change seen, in order, relative to the send."""
        return tuple(self._timing(c) for c in self._changes)

    @property
    def origin(self) -> float:
        """The best estimate of when the gateway created the message (monotonic seconds)."""
        return self._origin

    def _timing(self, change: _Change) -> StatusTiming:
        origin = self._origin
        return StatusTiming(
            status=change.status,
            at_s=max(0.0, change.estimate - origin),
            earliest_s=max(0.0, change.earliest - origin),
            latest_s=max(0.0, change.latest - origin),
            server_placed=change.server_placed,
        )

    def _to_monotonic(self, updated_at: datetime | None) -> float | None:
        if updated_at is None:
            return None
        return updated_at.timestamp() - self._epoch_offset
