"""pytest fixtures around `Simulator` (the only pytest-aware module of the simulator).

``gatewatch_simulator`` is started once per session; ``simulator`` hands it to a test
reset (no messages, the configured faults, defects and rate limit). Override
``gatewatch_simulator_config`` (or ``gatewatch_simulator_contract``, e.g. with
``resolve_contract("strict")``) in a conftest.py to start it differently.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gatewatch.contract import Contract, default_contract
from gatewatch.simulator.config import SimulatorConfig
from gatewatch.simulator.server import Simulator


@pytest.fixture(scope="session")
def gatewatch_simulator_config() -> SimulatorConfig:
    """The config the session's simulator starts with."""
    return SimulatorConfig()


@pytest.fixture(scope="session")
def gatewatch_simulator_contract() -> Contract:
    """The contract (dialect) the session's simulator serves."""
    return default_contract()


@pytest.fixture(scope="session")
def gatewatch_simulator(
    gatewatch_simulator_config: SimulatorConfig, gatewatch_simulator_contract: Contract
) -> Iterator[Simulator]:
    """A simulator shared by the whole session."""
    with Simulator(gatewatch_simulator_config, gatewatch_simulator_contract) as sim:
        yield sim


@pytest.fixture
def simulator(gatewatch_simulator: Simulator) -> Iterator[Simulator]:
    """The session's simulator, reset before and after the test."""
    gatewatch_simulator.reset()
    yield gatewatch_simulator
    gatewatch_simulator.reset()
