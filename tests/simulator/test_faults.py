"""Faults: latency, 500s, dropped connections and malformed bodies, scoped by operation."""

from __future__ import annotations

import json
import time

import pytest
import requests

from gatewatch.core.errors import ConfigError
from gatewatch.simulator import Faults, Simulator
from gatewatch.simulator.faults import Spread

from .client import Api


def test_latency_adds_at_least_the_fixed_delay(simulator: Simulator, api: Api) -> None:
    simulator.set_faults(latency_ms=150)
    started = time.monotonic()
    assert api.lookup("GW-x", api.contract.channels[0]).status_code == 404
    assert time.monotonic() - started >= 0.14


def test_a_stall_holds_the_answer_at_least_the_stall(simulator: Simulator, api: Api) -> None:
    simulator.set_faults(stall_ms=150, stall_rate=1.0)
    started = time.monotonic()
    assert api.lookup("GW-x", api.contract.channels[0]).status_code == 404
    assert time.monotonic() - started >= 0.14
    assert Faults(stall_ms=150, stall_rate=1.0).to_dict()["stall_rate"] == 1.0
    assert not Faults(stall_ms=150).active  # a stall with no rate never happens


def test_jitter_alone_still_answers(simulator: Simulator, api: Api) -> None:
    simulator.set_faults(jitter_ms=20)
    assert api.lookup("GW-x", api.contract.channels[0]).status_code == 404


def test_error_rate_one_answers_500_with_the_error_body(simulator: Simulator, api: Api) -> None:
    channel = api.contract.channels[0]
    message_id = api.sent(channel)
    simulator.set_faults(error_rate=1.0)
    for _ in range(5):
        api.assert_error(api.lookup(message_id, channel), api.contract.codes.server_error)


def test_error_rate_is_spread_evenly(simulator: Simulator, api: Api) -> None:
    channel = api.contract.channels[0]
    message_id = api.sent(channel)
    simulator.set_faults(error_rate=0.25)
    codes = [api.lookup(message_id, channel).status_code for _ in range(20)]
    assert codes.count(500) == 5
    assert codes[3::4] == [500] * 5


def test_drop_closes_the_connection_without_an_answer(simulator: Simulator, api: Api) -> None:
    channel = api.contract.channels[0]
    message_id = api.sent(channel)
    simulator.set_faults(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        api.lookup(message_id, channel)
    simulator.set_faults()
    assert api.lookup(message_id, channel).status_code == 200


def test_malformed_bodies_do_not_parse(simulator: Simulator, api: Api) -> None:
    channel = api.contract.channels[0]
    message_id = api.sent(channel)
    simulator.set_faults(malformed_rate=1.0)
    answer = api.lookup(message_id, channel)
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        json.loads(answer.content)
    # Errors keep their body: the fault garbles successful answers only.
    api.assert_error(api.lookup("GW-x", channel), api.contract.codes.not_found)


def test_faults_are_scoped_to_operations(simulator: Simulator, api: Api) -> None:
    channel = api.contract.channels[0]
    message_id = api.sent(channel)
    simulator.set_faults(Faults(error_rate=1.0, operations=frozenset({"send"})))
    assert api.lookup(message_id, channel).status_code == 200
    assert api.batch([message_id], channel).status_code == 200
    api.assert_error(api.send(channel), api.contract.codes.server_error)


def test_reset_switches_faults_off(simulator: Simulator, api: Api) -> None:
    simulator.set_faults(error_rate=1.0)
    simulator.reset()
    assert not simulator.faults.active
    assert api.lookup("GW-x", api.contract.channels[0]).status_code == 404


@pytest.mark.parametrize(
    "settings",
    [
        {"error_rate": 1.5},
        {"drop_rate": -0.1},
        {"stall_rate": 2.0},
        {"stall_ms": -1},
        {"latency_ms": -1},
        {"latency_ms": float("nan")},
        {"operations": frozenset({"nope"})},
        {"operations": frozenset()},
    ],
)
def test_invalid_faults_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        Faults(**settings)  # type: ignore[arg-type]


def test_spread_hits_exactly_the_fraction() -> None:
    for rate, calls in ((0.1, 100), (0.5, 10), (1.0, 7), (0.3, 100), (0.0, 50)):
        spread = Spread(rate)
        assert sum(spread.hit() for _ in range(calls)) == round(rate * calls)
