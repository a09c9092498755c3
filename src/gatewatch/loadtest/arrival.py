"""The open model: requests start on a fixed schedule, however long the answers take.

Locust's users are a closed model: a user waits for an answer before its next request,
so a slow target receives fewer requests and its slowness hides itself (coordinated
omission). Here a dispatcher starts request number i at ``start + i / rate``. A start is
made only when a slot is free (at most `max_in_flight` requests in flight) and the
dispatcher is less than `max_lag_s` behind the schedule; otherwise it is *dropped* and
counted with its reason (``no_slot``: the target is too slow for the rate and the
concurrency allowed; ``late``: the load generator itself fell behind), like k6's dropped
iterations. A start made late by up to `max_lag_s` carries its lag, which is added to the
latency recorded for the gates, so time spent waiting for the generator is not hidden.
The rate is a `RateProfile` (ramp.py): constant, or a ramp past the target's limit.

This module has no gevent or Locust in it: the clock, sleep and slots are passed in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gatewatch.core.options.load import DEFAULT_MAX_LAG_S
from gatewatch.loadtest.ramp import ConstantRate, RateProfile


@dataclass(frozen=True, slots=True)
class Due:
    """The starts due now: the lag of each one to make, and how many are too late to make."""

    lags_s: tuple[float, ...]
    late: int


class ArrivalSchedule:
    """Start i is due at ``start + profile.time_of(i)``; those more than `max_lag_s` late are dropped.

    For a constant rate that is ``start + i / rate``.
    """

    def __init__(
        self,
        rate_per_s: float,
        start: float,
        max_lag_s: float = DEFAULT_MAX_LAG_S,
        *,
        profile: RateProfile | None = None,
    ) -> None:
        self.profile: RateProfile = profile if profile is not None else ConstantRate(rate_per_s)
        self.start = start
        self.max_lag_s = max_lag_s
        self._next = 0  # index of the first start not yet handed out

    def at(self, index: int) -> float:
        """When start `index` is due."""
        return self.start + self.profile.time_of(index)

    def next_at(self) -> float:
        """When the next start is due."""
        return self.at(self._next)

    def due(self, now: float) -> Due:
        """Hand out every start due at `now` (each start is handed out once)."""
        count = self.profile.count
        last = math.floor(count(now - self.start))
        if last < self._next:
            return Due((), 0)
        # The first index still within max_lag_s of now; the ones before it are dropped
        # arithmetically, so a long stall costs no loop over the missed starts.
        first_in_time = max(self._next, math.ceil(count(now - self.max_lag_s - self.start)))
        late = min(first_in_time, last + 1) - self._next
        lags = tuple(now - self.at(i) for i in range(first_in_time, last + 1))
        self._next = last + 1
        return Due(lags, late)


DropReport = Callable[[int, Mapping[str, int]], None]


def dispatch(
    schedule: ArrivalSchedule,
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    slot_free: Callable[[], bool],
    start: Callable[[float], None],
    report: DropReport,
    running: Callable[[], bool],
) -> None:
    """Make the schedule's starts until `running()` turns false.

    `start(lag_s)` begins one request without waiting for it; `report(started, dropped)`
    receives the counts of each round (dropped: reason -> count).
    """
    # Bounded: the run ends (running() false, or the greenlet is killed at the end of the
    # test); each round hands out at most rate * max_lag_s + 1 starts.
    while running():
        now = clock()
        due = schedule.due(now)
        started = no_slot = 0
        for lag in due.lags_s:
            if slot_free():
                start(lag)
                started += 1
            else:
                no_slot += 1
        if started or no_slot or due.late:
            report(started, {"no_slot": no_slot, "late": due.late})
        sleep(max(0.0, schedule.next_at() - clock()))
