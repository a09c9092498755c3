"""The setup phase: real ids on every channel, or a clear error, before any load."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from gatewatch.contract import default_contract
from gatewatch.core.config import KnownId, local_target
from gatewatch.core.errors import ConfigError, TargetUnreachable
from gatewatch.core.secrets import Secret
from gatewatch.loadtest.setup import SetupFailed, prepare_known_ids
from gatewatch.simulator import Faults, Simulator, SimulatorConfig

CONTRACT = default_contract()
KEY = Secret("key-a")


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(SimulatorConfig()) as server:
        yield server


def test_ids_are_spread_over_every_channel(sim: Simulator) -> None:
    known = prepare_known_ids(local_target(CONTRACT, sim.base_url), KEY, CONTRACT, 7)
    assert len(known.messages) == 7
    assert set(known.by_channel) == set(CONTRACT.channels)
    assert len({m.id for m in known.messages}) == 7


def test_sends_answered_500_are_tried_again() -> None:
    config = SimulatorConfig(faults=Faults(error_rate=0.3))
    with Simulator(config) as server:
        target = replace(local_target(CONTRACT, server.base_url), retry_delays_s=())
        known = prepare_known_ids(target, KEY, CONTRACT, 6)
    assert set(known.by_channel) == set(CONTRACT.channels)


def test_a_target_that_answers_only_500_fails_the_setup_by_name() -> None:
    with Simulator(SimulatorConfig(faults=Faults(error_rate=1.0))) as server:
        target = replace(local_target(CONTRACT, server.base_url), retry_delays_s=())
        with pytest.raises(SetupFailed, match="got no id on"):
            prepare_known_ids(target, KEY, CONTRACT, 3)


def test_a_refused_key_is_a_config_error(sim: Simulator) -> None:
    with pytest.raises(ConfigError, match="refused the key"):
        prepare_known_ids(local_target(CONTRACT, sim.base_url), Secret("not-a-key"), CONTRACT, 3)


def test_nothing_listening_is_unreachable_at_once() -> None:
    target = local_target(CONTRACT, "http://127.0.0.1:9/api")
    with pytest.raises(TargetUnreachable):
        prepare_known_ids(target, KEY, CONTRACT, 3)


def test_configured_known_ids_are_used_without_sending() -> None:
    target = replace(
        local_target(CONTRACT, "http://127.0.0.1:9/api"),
        known_ids=(KnownId(id="abc", channel=CONTRACT.channels[0]),),
    )
    known = prepare_known_ids(target, KEY, CONTRACT, 24)
    assert [(m.id, m.channel) for m in known.messages] == [("abc", CONTRACT.channels[0])]
