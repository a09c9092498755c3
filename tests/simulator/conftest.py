"""Fixtures of the simulator's tests: one simulator per dialect (reset per test) and a client.

A test that takes `api` or `simulator` runs once per dialect (`[vendor]`, `[strict]`);
parametrize `dialect` directly to pick some.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gatewatch.contract import resolve_contract
from gatewatch.simulator import Simulator

from .client import Api

DIALECTS = ("vendor", "strict")


class FakeClock:
    """A clock that moves only when told (for the rate limiter)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Simulators:
    """One simulator per dialect, started on first use, stopped at the end of the session."""

    def __init__(self) -> None:
        self._running: dict[str, Simulator] = {}

    def __getitem__(self, dialect: str) -> Simulator:
        if dialect not in self._running:
            self._running[dialect] = Simulator(contract=resolve_contract(dialect)).start()
        return self._running[dialect]

    def close(self) -> None:
        for sim in self._running.values():
            sim.stop()


@pytest.fixture(scope="session")
def simulators() -> Iterator[Simulators]:
    running = Simulators()
    yield running
    running.close()


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def simulator(simulators: Simulators, dialect: str) -> Iterator[Simulator]:
    """The dialect's shared simulator, reset before and after the test."""
    sim = simulators[dialect]
    sim.reset()
    yield sim
    sim.reset()


@pytest.fixture
def api(simulator: Simulator) -> Iterator[Api]:
    client = Api(simulator)
    yield client
    client.close()
