"""Fixtures of the contract suite (the session fixture `gw` comes from gatewatch's plugin)."""

from __future__ import annotations

import pytest

from gatewatch.config import KnownId
from gatewatch.contract import default_contract, load_contract
from gatewatch.suite import Fleet, SuiteSession

# Fast, high-yield files first; the lifecycle waits for messages to finish, so it runs last.
_ORDER = ("test_lookup", "test_unknown_ids", "test_errors", "test_send", "test_batch", "test_lifecycle")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        return _ORDER.index(name) if name in _ORDER else len(_ORDER)

    items.sort(key=rank)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "channel" in metafunc.fixturenames:
        contracts = metafunc.config.getoption("gw_contracts")
        contract = load_contract(contracts) if contracts else default_contract()
        metafunc.parametrize("channel", contract.channels)


@pytest.fixture
def on_target(gw: SuiteSession, channel: str) -> str:
    """The parametrised channel, if the target has it."""
    if channel not in gw.target.channels:
        pytest.skip(f"target {gw.target.name!r} does not use channel {channel}")
    return channel


@pytest.fixture
def known(gw: SuiteSession, on_target: str, request: pytest.FixtureRequest) -> list[KnownId]:
    """Ids known to exist on the channel: the fleet's, or the target's configured ids (production)."""
    if gw.may_send:
        fleet: Fleet = request.getfixturevalue("fleet")
        return [KnownId(id=m.id, channel=m.channel) for m in fleet.on(on_target)]
    ids = [k for k in gw.target.known_ids if k.channel == on_target]
    if not ids:
        pytest.skip(f"read-only target with no known_ids configured for {on_target}")
    return ids


@pytest.fixture
def elsewhere(gw: SuiteSession, on_target: str, request: pytest.FixtureRequest) -> list[KnownId]:
    """Ids known to exist on the other channels (they must never show up on this one)."""
    if gw.may_send:
        fleet: Fleet = request.getfixturevalue("fleet")
        return [
            KnownId(id=m.id, channel=m.channel) for m in fleet.messages.values() if m.channel != on_target
        ]
    return [k for k in gw.target.known_ids if k.channel != on_target]
