"""Rate limits over HTTP (the vendor dialect): per key, the 429 body and headers, Retry-After, recovery.

The limiter's clock is a fake one injected through the simulator, so a window slides only
when a test says so; one test uses the real clock and waits the 429's Retry-After.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from gatewatch.contract import resolve_contract
from gatewatch.core.ratelimit import NO_LIMIT, RateLimit
from gatewatch.simulator import Simulator, SimulatorConfig

from .client import KEY_A, KEY_B, Api, error_problems
from .conftest import FakeClock

CONTRACT = resolve_contract("vendor")
LIMITS = CONTRACT.rate_limits


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def limited_sim(clock: FakeClock) -> Iterator[Simulator]:
    config = SimulatorConfig(extra_api_keys={"key-a2": "A"})
    with Simulator(config, contract=CONTRACT, rate_clock=clock) as sim:
        yield sim


@pytest.fixture
def api(limited_sim: Simulator) -> Iterator[Api]:
    limited_sim.reset()
    client = Api(limited_sim)
    yield client
    client.close()
    limited_sim.reset()


def counts(answer: requests.Response) -> tuple[int, int]:
    return int(answer.headers[LIMITS.limit_header]), int(answer.headers[LIMITS.remaining_header])


def test_off_by_default(api: Api) -> None:
    assert api.sim.rate_limit == NO_LIMIT
    channel = CONTRACT.channels[0]
    for _ in range(60):
        answer = api.lookup("GW-x", channel)
        assert answer.status_code == 404
        assert LIMITS.limit_header not in answer.headers
        assert LIMITS.remaining_header not in answer.headers


def test_remaining_decreases_then_429_with_the_body_and_retry_after(api: Api) -> None:
    api.sim.set_rate_limit(RateLimit(per_second=5))
    channel = CONTRACT.channels[0]
    message_id = api.sent(channel)  # 1 of 5
    seen = [api.lookup(message_id, channel) for _ in range(4)]  # 2..5 of 5
    assert all(answer.status_code == 200 for answer in seen)
    assert [counts(answer) for answer in seen] == [(5, 3), (5, 2), (5, 1), (5, 0)]
    throttled = api.lookup(message_id, channel)
    assert throttled.status_code == CONTRACT.codes.too_many_requests
    assert throttled.headers["content-type"] == CONTRACT.json_content_type
    body = throttled.json()
    assert CONTRACT.schema_errors(LIMITS.body_schema or "", body) == []
    assert error_problems(CONTRACT, 429, body) == []
    assert body["status"] == 429 and body["error"] == "Too Many Requests" and body["message"]
    assert body[LIMITS.retry_after_field or ""] == 1
    assert throttled.headers[LIMITS.retry_after_header] == "1"
    assert counts(throttled) == (5, 0)


def test_the_wait_it_says_is_enough(api: Api, clock: FakeClock) -> None:
    api.sim.set_rate_limit(RateLimit(per_second=3))
    channel = CONTRACT.channels[0]
    for _ in range(3):
        clock.advance(0.2)
        assert api.lookup("GW-x", channel).status_code == 404
    throttled = api.lookup("GW-x", channel)
    assert throttled.status_code == 429
    wait = throttled.json()[LIMITS.retry_after_field or ""]
    assert wait == int(throttled.headers[LIMITS.retry_after_header]) >= 1
    clock.advance(wait)
    again = api.lookup("GW-x", channel)
    assert again.status_code == 404
    assert counts(again)[1] >= 0


def test_limits_are_per_key_not_per_company(api: Api) -> None:
    api.sim.set_rate_limit(RateLimit(per_minute=2))
    channel = CONTRACT.channels[0]
    assert [api.lookup("GW-x", channel).status_code for _ in range(3)] == [404, 404, 429]
    # The other company's key, and another key of the same company, each have their own.
    assert [api.lookup("GW-x", channel, key=KEY_B).status_code for _ in range(3)] == [404, 404, 429]
    assert [api.lookup("GW-x", channel, key="key-a2").status_code for _ in range(3)] == [404, 404, 429]
    # Basic credentials name the same key as the header does.
    assert api.lookup("GW-x", channel, key=None, headers=api.basic(KEY_A)).status_code == 429


def test_every_answer_to_a_valid_key_carries_the_headers(api: Api) -> None:
    api.sim.set_rate_limit(RateLimit(per_minute=50, per_second=50))
    channel = CONTRACT.channels[0]
    message_id = api.sent(channel)
    answers = [
        api.send(channel),
        api.lookup(message_id, channel),
        api.lookup("GW-x", channel),
        api.lookup(message_id, "bogus"),
        api.batch([message_id], channel),
        api.batch([], channel),
        api.request("POST", api.lookup_url(message_id), headers=api.auth(KEY_A)),
        api.request("GET", api.url("/nope"), headers=api.auth(KEY_A)),
        api.lookup(message_id, channel, key=None, headers=api.basic(KEY_A)),
    ]
    remaining = []
    for answer in answers:
        limit, left = counts(answer)
        assert limit == 50 and 0 <= left <= limit, answer.text
        remaining.append(left)
    assert remaining == sorted(remaining, reverse=True)
    # Refused before the limiter (405, unknown path): reported, not counted.
    assert remaining[6] == remaining[5] and remaining[7] == remaining[5]
    # No valid key, no headers.
    for key in (None, "nope"):
        unauthorized = api.lookup(message_id, channel, key=key)
        assert unauthorized.status_code == 401
        assert LIMITS.limit_header not in unauthorized.headers


def test_the_minute_is_reported_when_both_windows_are_limited(api: Api) -> None:
    production = LIMITS.plans["production"]
    api.sim.set_rate_limit(production)
    answer = api.lookup("GW-x", CONTRACT.channels[0])
    assert counts(answer) == (production.per_minute, (production.per_minute or 0) - 1)


def test_throttled_comes_after_401_and_before_400(api: Api) -> None:
    api.sim.set_rate_limit(RateLimit(per_minute=1))
    channel = CONTRACT.channels[0]
    assert api.lookup("GW-x", channel).status_code == 404
    assert api.lookup("GW-x", "bogus").status_code == 429
    assert api.lookup("GW-x", channel, key="nope").status_code == 401


def test_a_new_limit_starts_every_key_afresh(api: Api) -> None:
    api.sim.set_rate_limit(RateLimit(per_minute=1))
    channel = CONTRACT.channels[0]
    assert [api.lookup("GW-x", channel).status_code for _ in range(2)] == [404, 429]
    api.sim.set_rate_limit(RateLimit(per_minute=1))
    assert api.lookup("GW-x", channel).status_code == 404
    api.sim.set_rate_limit(NO_LIMIT)
    assert all(api.lookup("GW-x", channel).status_code == 404 for _ in range(5))


def test_real_time_five_a_second_recovers_after_retry_after() -> None:
    with Simulator(SimulatorConfig(rate_limit=RateLimit(per_second=5)), contract=CONTRACT) as sim:
        api = Api(sim)
        try:
            channel = CONTRACT.channels[0]
            # A burst: however slow this machine, the 429 comes before the 50th request.
            codes = []
            for _ in range(50):
                answer = api.lookup("GW-x", channel)
                codes.append(answer.status_code)
                if answer.status_code == 429:
                    break
            assert codes[-1] == 429 and codes.count(404) >= 5
            wait = float(answer.headers[LIMITS.retry_after_header])
            assert wait == answer.json()[LIMITS.retry_after_field or ""]
            time.sleep(wait)  # the wait the gateway asks for, not a guess
            assert api.lookup("GW-x", channel).status_code == 404
        finally:
            api.close()
