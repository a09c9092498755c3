"""pytest fixtures around `Simulator` (the only pytest-aware module of the simulator).

``gatewatch_simulator`` is started once per session; ``simulator`` hands it to a test
reset (no messages, the configured faults and defects). Override
``gatewatch_simulator_config`` in a conftest.py to start it differently.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gatewatch.simulator.config import SimulatorConfig
from gatewatch.simulator.server import Simulator


@pytest.fixture(scope="session")
def gatewatch_simulator_config() -> SimulatorConfig:
    """The config the session's simulator starts with."""
    return SimulatorConfig()


@pytest.fixture(scope="session")
def gatewatch_simulator(gatewatch_simulator_config: SimulatorConfig) -> Iterator[Simulator]:
    """A simulator shared by the whole session."""
    with Simulator(gatewatch_simulator_config) as sim:
        yield sim


@pytest.fixture
def simulator(gatewatch_simulator: Simulator) -> Iterator[Simulator]:
    """The session's simulator, reset before and after the test."""
    gatewatch_simulator.reset()
    yield gatewatch_simulator
    gatewatch_simulator.reset()
