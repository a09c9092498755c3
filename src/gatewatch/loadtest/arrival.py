"""The open model: requests start on a fixed schedule, however long the answers take.

Locust's users are a closed model: a user waits for an answer before its next request,
so a slow target receives fewer requests and its slowness hides itself (coordinated
omission). Here a dispatcher starts request number i at ``start + i / rate``, with at
most `max_in_flight` requests in flight. A start due while every slot is busy waits for
one, up to `max_lag_s` after its scheduled time; one still waiting then is *dropped* as
``no_slot`` (the target is too slow for the rate and the concurrency allowed), and one
the dispatcher itself reaches more than `max_lag_s` late is dropped as ``late`` (the load
generator fell behind), like k6's dropped iterations. A start made late carries its lag:
the user measures its latency from the scheduled (intended) start, so a stall of the
target that fills every slot shows in the gated latencies, not only in the service time
of the few requests that were in flight (see recorder.py).
The rate is a `RateProfile` (ramp.py): constant, or a ramp past the target's limit.

This module has no gevent or Locust in it: the clock, sleep and slots are passed in.
"""

from __future__ import annotations

import math
from collections import deque
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
    wait_slot: Callable[[float], None] | None = None,
) -> None:
    """Make the schedule's starts until `running()` turns false.

    `start(lag_s)` begins one request without waiting for it (`lag_s`: how long after its
    scheduled time); `report(started, dropped)` receives the counts of each round (dropped:
    reason -> count); `wait_slot(timeout_s)` returns when a slot may be free or after the
    timeout (default: `sleep`).
    """
    wait = wait_slot or sleep
    # Due starts waiting for a slot, by scheduled time, oldest first. Bounded: each is
    # dropped max_lag_s after its time, so at most rate * max_lag_s + 1 wait.
    waiting: deque[float] = deque()
    # Bounded: the run ends (running() false, or the greenlet is killed at the end of the
    # test); each round hands out at most rate * max_lag_s + 1 starts.
    while running():
        now = clock()
        due = schedule.due(now)
        waiting.extend(now - lag for lag in due.lags_s)
        no_slot = started = 0
        while waiting and now - waiting[0] > schedule.max_lag_s:
            waiting.popleft()
            no_slot += 1
        while waiting and slot_free():
            start(now - waiting.popleft())
            started += 1
        if started or no_slot or due.late:
            report(started, {"no_slot": no_slot, "late": due.late})
        wake = schedule.next_at()
        if waiting:
            wait(max(0.0, min(wake, waiting[0] + schedule.max_lag_s) - clock()))
        else:
            sleep(max(0.0, wake - clock()))
