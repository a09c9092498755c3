"""The message store: bounded (oldest evicted first) and safe across threads."""

from __future__ import annotations

import threading

from gatewatch.contract import default_contract, resolve_contract
from gatewatch.simulator import Simulator, SimulatorConfig
from gatewatch.simulator.lifecycle import timeline
from gatewatch.simulator.store import Message, MessageStore

from .client import Api


def make(message_id: str) -> Message:
    contract = default_contract()
    recipient = contract.recipients[contract.default_outcome]
    return Message(
        id=message_id,
        channel=contract.channels[0],
        company="A",
        to="+391234567890",
        recipient=recipient,
        sent_at=0.0,
        step_s=0.1,
        steps=timeline(recipient, 0.0, 0.1, contract),
    )


def test_oldest_messages_are_evicted_beyond_the_limit() -> None:
    store = MessageStore(max_messages=3)
    for i in range(5):
        store.add(make(f"m{i}"))
    assert len(store) == 3
    assert store.get("m0") is None and store.get("m1") is None
    assert all(store.get(f"m{i}") is not None for i in (2, 3, 4))
    assert store.evicted == 2
    store.clear()
    assert len(store) == 0 and store.evicted == 0


def test_concurrent_adds_and_reads_keep_the_bound() -> None:
    store = MessageStore(max_messages=100)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(500):
                store.add(make(f"w{worker}-{i}"))
                store.get(f"w{worker}-{i // 2}")
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len(store) == 100
    assert store.evicted == 8 * 500 - 100


def test_eviction_over_http(dialect: str) -> None:
    with Simulator(SimulatorConfig(max_messages=5), resolve_contract(dialect)) as sim:
        api = Api(sim)
        try:
            channel = sim.contract.channels[0]
            ids = [api.sent(channel) for _ in range(8)]
            assert [api.lookup(i, channel).status_code for i in ids] == [404] * 3 + [200] * 5
        finally:
            api.close()


def test_reset_forgets_messages(simulator: Simulator, api: Api) -> None:
    channel = simulator.contract.channels[0]
    message_id = api.sent(channel)
    simulator.reset()
    assert api.lookup(message_id, channel).status_code == 404
    assert simulator.message(message_id) is None
