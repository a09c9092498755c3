"""Fixtures of the simulator's tests: the shared simulator (reset per test) and a client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gatewatch.simulator import Simulator
from gatewatch.simulator.fixtures import (  # noqa: F401  (fixtures used by name)
    gatewatch_simulator,
    gatewatch_simulator_config,
    simulator,
)

from .client import Api


@pytest.fixture
def api(simulator: Simulator) -> Iterator[Api]:  # noqa: F811
    client = Api(simulator)
    yield client
    client.close()
