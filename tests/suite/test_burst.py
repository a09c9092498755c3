"""The burst's concurrency: how many connections, exactly `count` requests, a bounded wait."""

from __future__ import annotations

import threading
from typing import cast

import pytest

from gatewatch.core.errors import TargetUnreachable
from gatewatch.core.exchange import Exchange
from gatewatch.suite.conformance import MAX_CONNECTIONS, burst_connections, send_concurrently


def test_connections_cover_the_per_second_limit_within_the_cap() -> None:
    assert burst_connections(50, 100) == 50  # the production plan: all of a second's allowance in flight
    assert burst_connections(10, 20) == 10  # trial
    assert burst_connections(100, 200) == MAX_CONNECTIONS
    assert burst_connections(5, 3) == 3


def test_exactly_count_requests_over_several_connections_in_answer_order() -> None:
    threads: set[str] = set()
    lock = threading.Lock()
    calls: list[int] = []
    in_flight = threading.Barrier(4, timeout=10)

    def send() -> Exchange:
        with lock:
            threads.add(threading.current_thread().name)
            calls.append(len(calls))
        in_flight.wait()  # returns only once 4 requests are in flight together
        return cast(Exchange, object())

    answers = send_concurrently(send, 8, 4)
    assert len(answers) == len(calls) == 8
    assert len(threads) == 4
    stamps = [stamp for stamp, _ in answers]
    assert stamps == sorted(stamps)


def test_a_burst_that_does_not_finish_in_time_is_unreachable_not_judged() -> None:
    release = threading.Event()

    def send() -> Exchange:
        release.wait(1)
        return cast(Exchange, object())

    try:
        with pytest.raises(TargetUnreachable, match="did not finish within"):
            send_concurrently(send, 4, 2, deadline_s=0.05)
    finally:
        release.set()
