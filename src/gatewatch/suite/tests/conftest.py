"""Fixtures of the contract suite (the session fixture `gw` comes from gatewatch's plugin)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatewatch.core.config import KnownId
from gatewatch.suite import Fleet, SuiteSession
from gatewatch.suite.plugin import (
    ONE_CHANNEL_WHEN_LIMITED,
    first_channel_when_limited,
    no_delivery_reason,
    suite_contract,
)

# Fast, high-yield files first; the lifecycle waits for messages to finish, so it runs
# late; the webhook registration before the deliveries (which rely on it); the rate-limit
# burst runs last, so that it cannot throttle anything after it.
_ORDER = (
    "test_lookup",
    "test_unknown_ids",
    "test_errors",
    "test_send",
    "test_batch",
    "test_lifecycle",
    "test_webhooks",
    "test_webhook_deliveries",
    "test_rate_limits",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the suite's own tests (in the slots they were collected in; other tests stay put)."""
    here = Path(__file__).parent

    def rank(item: pytest.Item) -> float:
        # Files not listed run before the rate-limit burst, which is always last.
        name = item.path.stem
        return _ORDER.index(name) if name in _ORDER else len(_ORDER) - 1.5

    slots = [i for i, item in enumerate(items) if item.path.is_relative_to(here)]
    for slot, item in zip(slots, sorted((items[i] for i in slots), key=rank), strict=True):
        items[slot] = item


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "channel" in metafunc.fixturenames:  # own-name: the fixture parameter
        channels: tuple[str, ...] | None = None
        if metafunc.definition.get_closest_marker(ONE_CHANNEL_WHEN_LIMITED) is not None:
            channels = first_channel_when_limited(metafunc.config)
        metafunc.parametrize("channel", channels or suite_contract(metafunc.config).channels)


@pytest.fixture
def on_target(gw: SuiteSession, channel: str) -> str:
    """The parametrised channel, if the target has it."""
    if channel not in gw.target.channels:
        pytest.skip(f"target {gw.target.name!r} does not use channel {channel}")
    return channel


@pytest.fixture
def known(gw: SuiteSession, on_target: str, request: pytest.FixtureRequest) -> list[KnownId]:
    """Ids known to exist on the channel: the fleet's, or the target's configured known_ids.

    A run that cannot deliver (read-only production, dry-run sends) uses the configured
    ids, and skips the test when there are none.
    """
    if gw.delivers:
        fleet: Fleet = request.getfixturevalue("fleet")
        return [KnownId(id=m.id, channel=m.channel) for m in fleet.on(on_target)]
    ids = [k for k in gw.target.known_ids if k.channel == on_target]
    if not ids:
        why = no_delivery_reason(gw, f"no id is known to exist on {on_target} (configure known_ids)")
        pytest.skip(why or f"no known_ids configured for {on_target}")
    return ids


@pytest.fixture
def some_id(gw: SuiteSession, on_target: str, request: pytest.FixtureRequest) -> KnownId:
    """An id to put in requests that must fail before the id matters: a known one, else an unknown one.

    Precedence puts 400 and 401 before the id's 404, so an unknown id still tests them;
    a known id also shows the gateway does not skip the rule for ids that exist.
    """
    try:
        ids: list[KnownId] = request.getfixturevalue("known")
    except pytest.skip.Exception:
        ids = []
    return ids[0] if ids else KnownId(id="gatewatch-unknown-id", channel=on_target)


@pytest.fixture
def elsewhere(gw: SuiteSession, on_target: str, request: pytest.FixtureRequest) -> list[KnownId]:
    """Ids known to exist on the other channels (they must never show up on this one)."""
    if gw.delivers:
        fleet: Fleet = request.getfixturevalue("fleet")
        return [
            KnownId(id=m.id, channel=m.channel) for m in fleet.messages.values() if m.channel != on_target
        ]
    return [k for k in gw.target.known_ids if k.channel != on_target]


@pytest.fixture
def recipient(gw: SuiteSession) -> str:
    """A configured test number to send to (the delivered one when there is one)."""
    recipients = gw.target.recipients
    if not recipients:
        pytest.skip(f"target {gw.target.name!r} configures no test recipients")
    return recipients.get(gw.contract.default_outcome) or next(iter(recipients.values()))


@pytest.fixture
def sending(gw: SuiteSession, on_target: str) -> str:
    """The channel, when the run may send on it."""
    if not gw.may_send:
        pytest.skip("production target: read-only without --allow-production (no sends)")
    return on_target


@pytest.fixture(autouse=True)
def _suite_test(gw_test: None) -> None:
    """Every suite test: skipped when its rules are off, labelled in Allure (the plugin's gw_test)."""
