"""The open-model schedule: starts on time whatever the answers do; what cannot start is counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import pytest

from gatewatch.loadtest.arrival import ArrivalSchedule, dispatch


def test_starts_are_handed_out_once_each_on_their_schedule() -> None:
    schedule = ArrivalSchedule(10.0, start=100.0, max_lag_s=0.5)
    assert schedule.due(99.99).lags_s == ()
    first = schedule.due(100.0)
    assert first.lags_s == (0.0,) and first.late == 0
    assert schedule.due(100.05).lags_s == ()  # the next start is due at 100.1
    later = schedule.due(100.35)
    assert len(later.lags_s) == 3 and later.late == 0
    assert later.lags_s[0] == pytest.approx(0.25)
    assert schedule.next_at() == pytest.approx(100.4)


def test_a_stall_drops_the_starts_older_than_the_allowed_lag_without_looping_over_them() -> None:
    schedule = ArrivalSchedule(1_000_000.0, start=0.0, max_lag_s=0.001)
    schedule.due(0.0)
    due = schedule.due(10.0)  # ten million starts missed: counted, not iterated
    assert len(due.lags_s) == pytest.approx(1001, abs=1)
    assert due.late + len(due.lags_s) == 10_000_000
    assert max(due.lags_s) <= 0.001 + 1e-9


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        # Every wake-up is 1 ms late, as a real timer would be at best.
        self.now += seconds + 0.001


def test_the_dispatcher_starts_what_fits_and_counts_the_rest_as_no_slot() -> None:
    clock = FakeClock()
    in_flight: list[float] = []
    started_total = 0
    dropped: Counter[str] = Counter()

    def report(started: int, lost: Mapping[str, int]) -> None:
        nonlocal started_total
        started_total += started
        dropped.update({k: v for k, v in lost.items() if v})

    def start(lag: float) -> None:
        in_flight.append(clock.now + 1.0)  # every answer takes 1 s: the target is slow

    def slot_free() -> bool:
        in_flight[:] = [done for done in in_flight if done > clock.now]
        return len(in_flight) < 5

    dispatch(
        ArrivalSchedule(20.0, start=0.0, max_lag_s=0.1),
        clock=clock,
        sleep=clock.sleep,
        slot_free=slot_free,
        start=start,
        report=report,
        running=lambda: clock.now < 10.0,
    )
    # 5 slots of 1 s each: about 5 starts/s of the 20 scheduled; the rest never start.
    assert started_total == pytest.approx(50, abs=6)
    assert dropped["no_slot"] == pytest.approx(150, abs=6)
    assert dropped["late"] == 0


def test_a_start_with_no_free_slot_waits_for_one_and_carries_its_wait_as_lag() -> None:
    clock = FakeClock()
    busy_until = 1.0  # the one slot is held by a request stuck for the first second
    lags: list[float] = []
    dropped: Counter[str] = Counter()

    def start(lag: float) -> None:
        nonlocal busy_until
        lags.append(lag)
        busy_until = clock.now + 0.01  # answered in 10 ms once the target is back

    dispatch(
        ArrivalSchedule(10.0, start=0.0, max_lag_s=2.0),
        clock=clock,
        sleep=clock.sleep,
        slot_free=lambda: clock.now >= busy_until,
        start=start,
        report=lambda started, lost: dropped.update({k: v for k, v in lost.items() if v}),
        running=lambda: clock.now < 3.0,
        wait_slot=lambda timeout: clock.sleep(min(timeout, 0.01)),
    )
    assert not dropped  # nothing waited longer than max_lag_s
    # The starts due in the first second were made once the slot freed, each carrying its wait.
    assert lags[0] == pytest.approx(1.0, abs=0.05)
    assert max(lags) == pytest.approx(1.0, abs=0.05)
    assert min(lags) < 0.05  # later starts are on time again
    assert len(lags) == pytest.approx(30, abs=2)


def test_the_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        ArrivalSchedule(0.0, start=0.0)
