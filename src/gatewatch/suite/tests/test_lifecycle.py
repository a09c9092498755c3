"""The lifecycle: each test recipient reaches its outcome in time, by allowed moves only.

The outcome tests follow the fleet sent at the start of the run; the state machine sends
on random channels and recipients and looks up (singly and in batches) in random order
and at random times. Every answer goes through the lifecycle tracker, which fails a move
the contract does not allow and any change after a final status.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, rule, run_state_machine_as_test

from gatewatch.checks import (
    batch_agrees_with_singles,
    expect_found,
    expect_send_accepted,
    findings,
    sent_id,
    status_bodies,
    violation,
)
from gatewatch.suite import Fleet, SuiteSession, follow
from gatewatch.suite.plugin import no_delivery_reason

# The rules the state machine is about; other violations fail it without a shrink.
FOCUS = {
    "send_accepted",
    "sent_id_found",
    "lifecycle_initial",
    "lifecycle_transition",
    "final_status_stable",
    "updated_at_monotonic",
    "batch_agrees_with_single",
}
# Requests a state-machine step makes on average (a send, a lookup, or a batch after a
# lookup of each id sent on its channel; waits make none).
STEP_COST = 2
# Lookups after a message's outcome shows, checking that it stays; under a rate limit one
# (the state machine looks final statuses up again too).
SETTLE_LOOKUPS = 3
LIMITED_SETTLE_LOOKUPS = 1


@pytest.mark.gw_rules("recipient_outcome")
def test_each_recipient_reaches_its_outcome(gw: SuiteSession, fleet: Fleet, on_target: str) -> None:
    channel = on_target
    messages = fleet.on(channel)
    if not messages:
        gw.skip_rules(["recipient_outcome"], "the target configures no test recipients")
        pytest.skip(f"target {gw.target.name!r} configures no test recipients")
    deadline = gw.target.deadline_for(channel)
    settle = LIMITED_SETTLE_LOOKUPS if gw.rate_limited else SETTLE_LOOKUPS
    late: list[str] = []
    for message in messages:
        expected = gw.contract.recipients[message.outcome]
        status = follow(gw, message, deadline, settle_lookups=settle)
        if status != expected.final_status:
            late.append(
                f"{message.outcome} recipient {message.to}: {' -> '.join(message.seen) or 'nothing'} "
                f"after {deadline:.0f} s, expected {expected.final_status}"
            )
    gw.judge(
        findings(
            gw.contract,
            ["recipient_outcome"],
            [violation(gw.contract, "recipient_outcome", text, None, "follow") for text in late],
        )
    )


@pytest.mark.gw_rules(
    "lifecycle_initial", "lifecycle_transition", "final_status_stable", "batch_agrees_with_single"
)
@pytest.mark.gw_examples(STEP_COST, stateful=True)
def test_lifecycle_state_machine(gw: SuiteSession, request: pytest.FixtureRequest) -> None:
    reason = no_delivery_reason(gw, "there is no lifecycle to follow")
    if reason is not None:
        gw.skip_rules(["lifecycle_transition", "final_status_stable"], reason)
        pytest.skip(reason)
    contract = gw.contract
    recipients = sorted(gw.target.recipients.items())
    if not recipients:
        pytest.skip(f"target {gw.target.name!r} configures no test recipients")
    runs, steps = gw.budget.machine(cost_per_step=STEP_COST)

    class Lifecycle(RuleBasedStateMachine):
        messages = Bundle("messages")

        def __init__(self) -> None:
            super().__init__()
            self.sent: dict[str, list[str]] = {}

        @rule(
            target=messages,
            channel=st.sampled_from(gw.target.channels),
            recipient=st.sampled_from(recipients),
        )
        def send(self, channel: str, recipient: tuple[str, str]) -> tuple[str, str]:
            exchange = gw.client.send(channel, recipient[1], f"gatewatch lifecycle ({recipient[0]})")
            gw.verify(exchange, expect_send_accepted(exchange, contract, dry_run=False), focus=FOCUS)
            message_id = sent_id(exchange, contract)
            assert message_id is not None
            self.sent.setdefault(channel, []).append(message_id)
            return (message_id, channel)

        @rule(message=messages)
        def lookup(self, message: tuple[str, str]) -> None:
            exchange = gw.client.lookup(*message)
            gw.verify(exchange, expect_found(exchange, contract), focus=FOCUS)

        @rule(message=messages)
        def batch(self, message: tuple[str, str]) -> None:
            channel = message[1]
            ids = self.sent[channel][-contract.batch.max_ids :]
            singles = {}
            for message_id in ids:
                single = gw.verify(gw.client.lookup(message_id, channel), focus=FOCUS)
                bodies = status_bodies(single, contract)
                if bodies:
                    singles[message_id] = str(bodies[0].get(contract.fields.status))
            exchange = gw.client.batch(ids, channel)
            gw.verify(exchange, batch_agrees_with_singles(exchange, contract, singles), focus=FOCUS)

        @rule(pause=st.floats(min_value=0.0, max_value=0.3))
        def wait(self, pause: float) -> None:
            # Deliberate: lookups at random moments of the lifecycle, not a race being hidden.
            time.sleep(pause)

    # Shrinking a state machine replays whole programs (sends, waits) per attempt: the ci
    # profile reports the failing program as found; the deep profile shrinks it.
    phases = list(Phase)
    if not gw.budget.profile.shrinks_programs:
        phases.remove(Phase.shrink)
    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=runs,
            stateful_step_count=steps,
            deadline=None,
            database=None,
            phases=phases,
            report_multiple_bugs=False,
        ),
    )
