"""The simulator's per-key limiter, with a fake clock: windows, refusals, remaining, memory."""

from __future__ import annotations

import pytest

from gatewatch.simulator.ratelimit import Decision, KeyLimiter


class Clock:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_ten_per_second_lets_exactly_ten_through_and_refuses_the_eleventh() -> None:
    clock = Clock()
    limiter = KeyLimiter(None, 10, clock=clock)
    decisions = [limiter.hit("k") for _ in range(10)]
    assert all(d.allowed for d in decisions)
    refused = limiter.hit("k")
    assert refused == Decision(allowed=False, limit=10, remaining=0, retry_after_s=1)


def test_ten_per_second_spread_within_a_second_refuses_until_the_oldest_leaves() -> None:
    clock = Clock()
    limiter = KeyLimiter(None, 10, clock=clock)
    for _ in range(10):
        assert limiter.hit("k").allowed
        clock.t += 0.05
    assert not limiter.hit("k").allowed  # at +0.5 s the first is still inside
    clock.t = 1001.0  # the first request (at 1000.0) has just left the window
    assert limiter.hit("k").allowed
    assert not limiter.hit("k").allowed


def test_the_per_minute_window_refuses_the_sixty_first_even_spread_over_seconds() -> None:
    clock = Clock()
    limiter = KeyLimiter(60, 10, clock=clock)
    for _ in range(60):
        assert limiter.hit("k").allowed
        clock.t += 0.5
    refused = limiter.hit("k")  # 30 s after the first request
    assert not refused.allowed
    assert refused.retry_after_s == 30
    assert refused.remaining == 0
    assert refused.limit == 60


def test_a_client_that_waits_as_told_gets_through() -> None:
    clock = Clock()
    limiter = KeyLimiter(60, None, clock=clock)
    for _ in range(60):
        limiter.hit("k")
        clock.t += 0.25
    refused = limiter.hit("k")
    assert not refused.allowed
    clock.t += refused.retry_after_s
    assert limiter.hit("k").allowed


def test_refused_requests_are_not_counted() -> None:
    clock = Clock()
    limiter = KeyLimiter(None, 5, clock=clock)
    for _ in range(5):
        limiter.hit("k")
    for _ in range(100):
        assert not limiter.hit("k").allowed
    clock.t += 1.0
    # Had the refusals counted, the window would still be full.
    assert [limiter.hit("k").allowed for _ in range(6)] == [True] * 5 + [False]


def test_keys_are_independent() -> None:
    clock = Clock()
    limiter = KeyLimiter(None, 3, clock=clock)
    for _ in range(3):
        limiter.hit("a")
    assert not limiter.hit("a").allowed
    assert limiter.hit("b").allowed
    assert limiter.peek("b").remaining == 2


def test_remaining_decreases_by_one_per_request_and_never_goes_negative() -> None:
    clock = Clock()
    limiter = KeyLimiter(5, 100, clock=clock)
    assert [limiter.hit("k").remaining for _ in range(8)] == [4, 3, 2, 1, 0, 0, 0, 0]


def test_the_reported_limit_is_the_minute_one_when_set_else_the_second() -> None:
    clock = Clock()
    assert KeyLimiter(600, 20, clock=clock).hit("k").limit == 600
    assert KeyLimiter(None, 20, clock=clock).hit("k").limit == 20


def test_a_per_second_refusal_under_the_minute_limit_reports_the_minute_remaining() -> None:
    clock = Clock()
    limiter = KeyLimiter(100, 2, clock=clock)
    limiter.hit("k")
    limiter.hit("k")
    refused = limiter.hit("k")
    assert refused == Decision(allowed=False, limit=100, remaining=98, retry_after_s=1)


def test_peek_does_not_count_and_does_not_create_keys() -> None:
    clock = Clock()
    limiter = KeyLimiter(None, 2, clock=clock)
    assert limiter.peek("k") == Decision(allowed=True, limit=2, remaining=2, retry_after_s=0)
    assert len(limiter) == 0
    limiter.hit("k")
    assert limiter.peek("k") == Decision(allowed=True, limit=2, remaining=1, retry_after_s=0)
    limiter.hit("k")
    assert limiter.peek("k") == Decision(allowed=False, limit=2, remaining=0, retry_after_s=1)
    assert limiter.peek("k") == limiter.peek("k")


def test_retry_after_is_the_ceiling_of_the_wait() -> None:
    clock = Clock()
    limiter = KeyLimiter(2, None, clock=clock)
    limiter.hit("k")
    clock.t += 10.5
    limiter.hit("k")
    assert limiter.hit("k").retry_after_s == 50  # the first leaves 49.5 s from now


def test_unlimited_allows_everything_and_stores_nothing() -> None:
    limiter = KeyLimiter(None, None, clock=Clock())
    assert all(limiter.hit(str(i)).allowed for i in range(100))
    assert limiter.footprint() == (0, 0)


def test_memory_is_bounded_in_keys_and_timestamps_per_key() -> None:
    clock = Clock()
    limiter = KeyLimiter(50, 10, clock=clock, max_keys=100)
    for i in range(1000):
        limiter.hit(f"key-{i}")
    assert len(limiter) == 100
    for _ in range(10_000):
        limiter.hit("busy")
        clock.t += 0.01
    keys, stamps = limiter.footprint()
    assert keys == 100
    assert stamps <= 99 + 50


def test_the_least_recently_used_key_is_the_one_forgotten() -> None:
    clock = Clock()
    limiter = KeyLimiter(None, 1, clock=clock, max_keys=2)
    limiter.hit("a")
    limiter.hit("b")
    assert not limiter.hit("a").allowed  # "a" is now the most recently used
    limiter.hit("c")  # forgets "b"
    assert not limiter.hit("a").allowed
    assert limiter.hit("b").allowed  # afresh


@pytest.mark.parametrize(
    ("per_minute", "per_second", "max_keys"),
    [(0, None, 10), (None, -1, 10), (True, None, 10), (10, None, 0)],
)
def test_bad_arguments_are_refused(per_minute: int | None, per_second: int | None, max_keys: int) -> None:
    with pytest.raises(ValueError, match="must be a positive integer"):
        KeyLimiter(per_minute, per_second, max_keys=max_keys)
