"""The lifecycle: each test recipient walks its contract path, in real time, monotonically."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

import pytest

from gatewatch.contract import default_contract, resolve_contract
from gatewatch.simulator import Simulator, SimulatorConfig
from gatewatch.simulator.lifecycle import format_time, step_at, timeline

from .client import Api, wait_until

OUTCOMES = sorted(default_contract().recipients)


def observe(api: Api, messages: list[tuple[str, str]], final: str) -> list[list[dict[str, object]]]:
    """Poll every (id, channel) round-robin until all show `final`; return their answers."""
    seen: list[list[dict[str, object]]] = [[] for _ in messages]

    def reached() -> bool:
        done = True
        for (message_id, channel), answers in zip(messages, seen, strict=True):
            if answers and answers[-1][api.fields.status] == final:
                continue
            answers.append(api.lookup(message_id, channel).json())
            done = done and answers[-1][api.fields.status] == final
        return done

    wait_until(reached, timeout=5.0, interval=0.005)
    return seen


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_recipient_walks_its_path_on_every_channel(api: Api, outcome: str) -> None:
    recipient = api.contract.recipients[outcome]
    channels = api.contract.channels
    messages = [(api.sent(channel, api.number(outcome)), channel) for channel in channels]
    for seen in observe(api, messages, recipient.final_status):
        statuses = [body[api.fields.status] for body in seen]
        # Polling every few ms against 200 ms steps sees every step, in the path's order.
        assert tuple(dict.fromkeys(statuses)) == recipient.path
        assert statuses[0] in api.contract.initial_statuses
        for before, after in pairwise(statuses):
            assert api.contract.can_move(before, after)
        for body in seen:
            needs = body[api.fields.status] in api.contract.needs_reason
            assert body[api.fields.description] == (recipient.reason if needs else None)


def test_default_recipient_is_delivered(api: Api) -> None:
    default = api.contract.recipients[api.contract.default_outcome]
    channel = api.contract.channels[0]
    message_id = api.sent(channel)
    assert api.wait_final(message_id, channel) == default.final_status


def test_reason_is_non_empty_for_statuses_that_need_one(api: Api) -> None:
    for outcome, recipient in api.contract.recipients.items():
        if set(recipient.path) & api.contract.needs_reason:
            channel = api.contract.channels[0]
            message_id = api.sent(channel, api.number(outcome))
            api.wait_final(message_id, channel)
            body = api.lookup(message_id, channel).json()
            assert body[api.fields.description]


def test_updated_at_is_when_the_step_was_reached(api: Api) -> None:
    channel = api.contract.channels[0]
    message_id = api.sent(channel, api.number("delivered"))
    final = api.contract.recipients["delivered"].final_status
    (seen,) = observe(api, [(message_id, channel)], final)
    message = api.sim.message(message_id)
    assert message is not None
    truth = {step.status: step.updated_at for step in message.steps}
    stamps = []
    for body in seen:
        assert body[api.fields.updated_at] == truth[body[api.fields.status]]
        stamps.append(datetime.fromisoformat(str(body[api.fields.updated_at])))
    assert stamps == sorted(stamps)


def test_final_status_never_changes(api: Api) -> None:
    channel = api.contract.channels[0]
    sent = [api.sent(channel, api.number(outcome)) for outcome in OUTCOMES]
    for message_id in sent:
        api.wait_settled(message_id)
        answers = {
            (body[api.fields.status], body[api.fields.updated_at])
            for body in (api.lookup(message_id, channel).json() for _ in range(10))
        }
        assert len(answers) == 1


def test_true_timeline_steps_are_step_seconds_apart(api: Api) -> None:
    channel = api.contract.channels[0]
    message_id = api.sent(channel, api.number("delivered"))
    message = api.sim.message(message_id)
    assert message is not None
    assert message.step_s == api.sim.config.step_for(channel)
    for index, step in enumerate(message.steps):
        assert step.at == pytest.approx(message.sent_at + index * message.step_s)
        assert step.updated_at == format_time(step.at)
    assert message.settles_at == message.steps[-1].at


def test_status_is_a_pure_function_of_time() -> None:
    contract = default_contract()
    recipient = contract.recipients["delivered"]
    steps = timeline(recipient, 1000.0, 2.0, contract)
    assert [s.status for s in steps] == list(recipient.path)
    assert step_at(steps, 999.0).status == recipient.path[0]
    assert step_at(steps, 1000.0).status == recipient.path[0]
    assert step_at(steps, 1001.999).status == recipient.path[0]
    assert step_at(steps, 1002.0).status == recipient.path[1]
    assert step_at(steps, 1e12).status == recipient.path[-1]
    assert steps[1].updated_at == "1970-01-01T00:16:42.000Z"


def test_zero_step_settles_at_once() -> None:
    contract = default_contract()
    recipient = contract.recipients["delivered"]
    steps = timeline(recipient, 50.0, 0.0, contract)
    assert step_at(steps, 50.0).status == recipient.final_status


def test_realistic_preset_is_per_contract_channel() -> None:
    contract = default_contract()
    config = SimulatorConfig.realistic(contract)
    steps = [config.step_for(channel) for channel in contract.channels]
    assert steps[0] >= 1.0
    assert steps == sorted(steps)
    assert len(set(steps)) == len(steps)


def test_per_channel_steps_apply_to_new_messages(dialect: str) -> None:
    contract = resolve_contract(dialect)
    slow, fast = contract.channels[0], contract.channels[1]
    config = SimulatorConfig(step_s=0.05, step_overrides={slow: 30.0})
    with Simulator(config, contract) as sim:
        api = Api(sim)
        try:
            slow_id = api.sent(slow, api.number("delivered"))
            fast_id = api.sent(fast, api.number("delivered"))
            assert api.wait_final(fast_id, fast) == contract.recipients["delivered"].final_status
            assert api.status(slow_id, slow) == contract.recipients["delivered"].path[0]
        finally:
            api.close()
