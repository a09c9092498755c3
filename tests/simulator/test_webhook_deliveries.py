"""The simulator POSTs one DELIVERY webhook per final status, off the request path, with faults.

A `Receiver` on 127.0.0.1 is the callback. Absence is shown without sleeping: a later
payload (a marker message that settles after the one that must not come) arrives, and the
outbox works in the order payloads fall due, so what came before it had its chance.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from gatewatch.contract import resolve_contract
from gatewatch.contract.webhooks import PayloadRole
from gatewatch.core.webhooks import Delivery, Receiver, Reply
from gatewatch.simulator import Simulator, SimulatorConfig, catalogue
from gatewatch.simulator.config import WebhookFaults
from gatewatch.simulator.defects import registered, webhook_deliveries
from gatewatch.simulator.payloads import field_for

from .client import KEY_A, KEY_B, Api, wait_until
from .conftest import DIALECTS

WAIT_S = 10.0
STEP_S = 0.02


@pytest.fixture(params=DIALECTS)
def sim(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    config = SimulatorConfig(step_s=STEP_S, allow_http_loopback_webhooks=True, webhook_backoff_s=0.01)
    with Simulator(config, resolve_contract(request.param)) as running:
        yield running


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def hooked(sim: Simulator, receiver: Receiver) -> Iterator[Api]:
    """A client of `sim` whose company (KEY_A's) has `receiver` as its callback."""
    api = Api(sim)
    register(api, receiver, KEY_A)
    yield api
    api.close()


def register(api: Api, receiver: Receiver, key: str) -> None:
    names = api.contract.webhooks.registration
    answer = api.request(
        "POST", api.url(names.path), json={names.callback_url: receiver.url}, headers=api.auth(key)
    )
    assert answer.status_code == api.contract.codes.created, answer.text


def field(api: Api, role: PayloadRole) -> str:
    webhooks = api.contract.webhooks
    name = field_for(api.contract, webhooks.default_shape, role)
    assert name is not None
    return name


def ids_of(api: Api, deliveries: tuple[Delivery, ...]) -> list[str]:
    name = field(api, PayloadRole.MESSAGE_ID)  # every documented shape has it
    return [d.parsed[name] for d in deliveries if isinstance(d.parsed, dict)]


def wait_ids(api: Api, receiver: Receiver, *ids: str) -> list[str]:
    """Wait until every id in `ids` arrived; the ids of everything received by then."""
    arrived = receiver.wait_for(lambda got: set(ids) <= set(ids_of(api, got)), WAIT_S)
    assert arrived, f"expected {ids}, got {ids_of(api, receiver.deliveries())}"
    return ids_of(api, receiver.deliveries())


def marker(api: Api, receiver: Receiver, key: str = KEY_A) -> str:
    """Send a message that settles after everything sent so far and wait for its payload."""
    message_id = api.sent(api.contract.channels[0], key=key)
    wait_ids(api, receiver, message_id)
    return message_id


@pytest.mark.parametrize("outcome", ["delivered", "error", "expired"])
def test_a_final_status_brings_one_payload_in_the_default_shape(
    hooked: Api, receiver: Receiver, outcome: str
) -> None:
    api, contract = hooked, hooked.contract
    channel = contract.channels[-1]
    message_id = api.sent(channel, api.number(outcome))
    wait_ids(api, receiver, message_id)
    final = api.wait_final(message_id, channel)
    marker(api, receiver)
    mine = [d.parsed for d in receiver.deliveries() if d.parsed[field(api, PayloadRole.ID)] == message_id]
    assert len(mine) == 1
    payload: dict[str, Any] = mine[0]
    assert contract.schema_errors(contract.webhooks.default_shape.schema, payload) == []
    assert final in contract.webhooks.statuses_for(payload[field(api, PayloadRole.STATUS_CODE)])
    assert payload[field(api, PayloadRole.EVENT_TYPE)] == contract.webhooks.delivery_event
    assert payload[field(api, PayloadRole.CHANNEL)] == channel
    assert payload[field(api, PayloadRole.DESTINATION)] == api.number(outcome)


def test_none_for_a_simulation_send_or_another_company(hooked: Api, receiver: Receiver) -> None:
    api = hooked
    channel = api.contract.channels[0]
    quiet = [api.sent(channel, key=KEY_B)]
    if api.contract.send.dry_run is not None:
        answer = api.send(channel, dry_run=True)
        assert answer.status_code == api.created
        quiet.append(answer.json()[api.contract.send.id])
    last = marker(api, receiver)
    assert set(ids_of(api, receiver.deliveries())) == {last}


def test_no_answer_or_a_500_is_retried(hooked: Api, receiver: Receiver) -> None:
    api = hooked
    receiver.script(Reply(status=500), Reply(status=503))
    message_id = api.sent(api.contract.channels[0])
    wait_ids(api, receiver, message_id)
    assert receiver.wait_for(lambda got: ids_of(api, got).count(message_id) == 3, WAIT_S)
    assert [d.answered for d in receiver.deliveries()] == [500, 503, 200]
    wait_until(lambda: api.sim.app.outbox.counts.posted == 1, WAIT_S)
    assert api.sim.app.outbox.counts.failed == 2


def test_the_retries_are_bounded(hooked: Api, receiver: Receiver) -> None:
    api = hooked
    attempts = api.sim.config.webhook_attempts
    receiver.script(*[Reply(status=500)] * attempts)
    message_id = api.sent(api.contract.channels[0])
    assert receiver.wait_for(lambda got: ids_of(api, got).count(message_id) == attempts, WAIT_S)
    last = marker(api, receiver)
    assert ids_of(api, receiver.deliveries()) == [message_id] * attempts + [last]
    wait_until(lambda: api.sim.app.outbox.counts.given_up == 1, WAIT_S)


def test_loss_sends_an_even_share(hooked: Api, receiver: Receiver) -> None:
    api = hooked
    api.sim.set_webhook_faults(loss=0.5)
    channel = api.contract.channels[0]
    sent = [api.sent(channel) for _ in range(4)]
    # Every second payload is lost: the second and fourth.
    wait_ids(api, receiver, sent[0], sent[2])
    wait_until(lambda: api.sim.app.outbox.counts.lost == 2, WAIT_S)
    api.sim.set_webhook_faults()
    last = marker(api, receiver)
    assert ids_of(api, receiver.deliveries()) == [sent[0], sent[2], last]


def test_duplicates_send_twice(hooked: Api, receiver: Receiver) -> None:
    api = hooked
    api.sim.set_webhook_faults(duplicates=1.0)
    message_id = api.sent(api.contract.channels[0])
    assert receiver.wait_for(lambda got: ids_of(api, got) == [message_id, message_id], WAIT_S)


def test_reorder_sends_a_payload_after_the_next(hooked: Api, receiver: Receiver) -> None:
    api = hooked
    api.sim.set_webhook_faults(reorder=1.0)
    channel = api.contract.channels[0]
    first = api.sent(channel)
    api.wait_settled(first)
    second = api.sent(channel)
    assert wait_ids(api, receiver, first, second) == [second, first]


def test_delay_holds_a_payload_back(hooked: Api, receiver: Receiver) -> None:
    api = hooked
    api.sim.set_webhook_faults(delay_s=0.3)
    message_id = api.sent(api.contract.channels[0])
    wait_ids(api, receiver, message_id)
    message = api.sim.message(message_id)
    assert message is not None
    assert receiver.deliveries()[0].received_wall >= message.settles_at + 0.3


def test_in_flight_payloads_reach_the_old_url_after_delete_new_ones_do_not(
    hooked: Api, receiver: Receiver
) -> None:
    api = hooked
    names = api.contract.webhooks.registration
    api.sim.set_webhook_faults(delay_s=0.5)
    in_flight = api.sent(api.contract.channels[0])
    api.wait_settled(in_flight)
    gone = api.request("DELETE", api.url(names.path), headers=api.auth(KEY_A))
    assert gone.status_code == api.contract.codes.no_content
    after = api.sent(api.contract.channels[0])
    wait_ids(api, receiver, in_flight)
    api.sim.set_webhook_faults()
    register(api, receiver, KEY_B)
    last = marker(api, receiver, KEY_B)
    assert after not in ids_of(api, receiver.deliveries())
    assert ids_of(api, receiver.deliveries()) == [in_flight, last]


def test_stop_ends_the_worker_and_drops_the_queue(receiver: Receiver) -> None:
    config = SimulatorConfig(step_s=60.0, allow_http_loopback_webhooks=True)
    before = set(threading.enumerate())
    sim = Simulator(config).start()
    api = Api(sim)
    register(api, receiver, KEY_A)
    api.sent(api.contract.channels[0])
    assert any(t.name == "gatewatch-webhooks" for t in threading.enumerate())
    api.close()
    sim.stop()
    assert set(threading.enumerate()) - before == set()


def test_webhook_faults_are_checked() -> None:
    from gatewatch.core.errors import ConfigError

    with pytest.raises(ConfigError, match="loss"):
        WebhookFaults(loss=2.0)
    with pytest.raises(ConfigError, match="webhook_attempts"):
        SimulatorConfig(webhook_attempts=0)


# -- defects: each shows its deviation, the conforming simulator does not ------------------


def _first_payload(api: Api, receiver: Receiver, outcome: str | None = None) -> tuple[dict[str, Any], str]:
    """Send one message and return its payload and the final status lookups show."""
    channel = api.contract.channels[0]
    message_id = api.sent(channel, api.number(outcome) if outcome else None)
    wait_ids(api, receiver, message_id)
    payload = next(d.parsed for d in receiver.deliveries() if ids_of(api, (d,)) == [message_id])
    return payload, api.wait_final(message_id, channel)


def _other_shape(api: Api, receiver: Receiver) -> bool:
    payload, _ = _first_payload(api, receiver)
    return api.contract.schema_errors(api.contract.webhooks.default_shape.schema, payload) != []


def _code(api: Api, payload: dict[str, Any]) -> int:
    code: int = payload[field(api, PayloadRole.STATUS_CODE)]
    return code


def _wrong_status_code(api: Api, receiver: Receiver) -> bool:
    payload, _ = _first_payload(api, receiver)
    return api.contract.webhooks.statuses_for(_code(api, payload)) == frozenset()


def _final_differs(api: Api, receiver: Receiver) -> bool:
    payload, final = _first_payload(api, receiver, "error")
    said = api.contract.webhooks.statuses_for(_code(api, payload))
    return bool(said) and final not in said


def _other_company(api: Api, receiver: Receiver) -> bool:
    theirs = api.sent(api.contract.channels[0], key=KEY_B)
    marker(api, receiver)
    return theirs in ids_of(api, receiver.deliveries())


def _after_delete(api: Api, receiver: Receiver) -> bool:
    path = api.contract.webhooks.registration.path
    assert api.request("DELETE", api.url(path), headers=api.auth(KEY_A)).ok
    after = api.sent(api.contract.channels[0])
    register(api, receiver, KEY_B)
    marker(api, receiver, KEY_B)
    return after in ids_of(api, receiver.deliveries())


def _for_simulation(api: Api, receiver: Receiver) -> bool:
    answer = api.send(api.contract.channels[0], dry_run=True)
    dry = answer.json()[api.contract.send.id]
    marker(api, receiver)
    return dry in ids_of(api, receiver.deliveries())


def _lost_all(api: Api, receiver: Receiver) -> bool:
    outbox = api.sim.app.outbox
    before = outbox.counts.posted + outbox.counts.unaddressed
    message_id = api.sent(api.contract.channels[0])
    wait_until(lambda: outbox.counts.posted + outbox.counts.unaddressed == before + 1, WAIT_S)
    return message_id not in ids_of(api, receiver.deliveries())


DEVIATIONS = {
    "webhook_other_shape": _other_shape,
    "webhook_wrong_status_code": _wrong_status_code,
    "webhook_final_differs": _final_differs,
    "webhook_other_company": _other_company,
    "webhook_after_delete": _after_delete,
    "webhook_for_simulation": _for_simulation,
    "webhook_lost_all": _lost_all,
}


@pytest.mark.parametrize("name", sorted(DEVIATIONS))
def test_a_webhook_defect_shows_its_deviation(hooked: Api, receiver: Receiver, name: str) -> None:
    api = hooked
    if name not in {spec.name for spec in catalogue(api.contract)}:
        assert name == "webhook_for_simulation" and api.contract.send.dry_run is None
        return
    check = DEVIATIONS[name]
    assert not check(api, receiver), "the conforming simulator already shows the deviation"
    api.sim.reset()
    api.sim.set_defects([name])
    with Receiver() as fresh:
        register(api, fresh, KEY_A)
        assert check(api, fresh), f"{name} did not show"


def test_each_webhook_delivery_defect_shows_its_deviation_here() -> None:
    here = {n for n, spec in registered().items() if spec.install.__module__ == webhook_deliveries.__name__}
    assert set(DEVIATIONS) == here


def test_faults_compose(hooked: Api, receiver: Receiver) -> None:
    api = hooked
    api.sim.set_webhook_faults(delay_s=0.2, duplicates=1.0)
    message_id = api.sent(api.contract.channels[0])
    assert receiver.wait_for(lambda got: ids_of(api, got) == [message_id, message_id], WAIT_S)
    message = api.sim.message(message_id)
    assert message is not None
    assert all(d.received_wall >= message.settles_at + 0.2 for d in receiver.deliveries())


def test_the_control_endpoint_sets_the_webhook_faults(receiver: Receiver) -> None:
    config = SimulatorConfig(step_s=STEP_S, allow_http_loopback_webhooks=True, control=True)
    with Simulator(config) as sim:
        api = Api(sim)
        url = sim.url + "/_control/webhook-faults"
        assert api.request("GET", url).json() == WebhookFaults().to_dict()
        answer = api.request("POST", url, json={"loss": 1.0})
        assert answer.ok, answer.text
        assert sim.webhook_faults == WebhookFaults(loss=1.0)
        refused = api.request("POST", url, json={"loss": 2.0, "nonsense": 1})
        assert refused.status_code == api.contract.codes.bad_request
        register(api, receiver, KEY_A)
        api.sent(api.contract.channels[0])
        wait_until(lambda: sim.app.outbox.counts.lost == 1, WAIT_S)
        sim.reset()
        assert sim.webhook_faults == WebhookFaults()
        api.close()
