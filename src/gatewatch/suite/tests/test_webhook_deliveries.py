"""The delivery webhooks themselves: every payload against its schema, its message's lookups and time.

The receiver listens where --webhook-listen says (for a target on this machine, 127.0.0.1
and a free port); the gateway is told to call it (--webhook-public-url when something
forwards to it). Each channel's test borrows the account's one webhook (GET first, put
back after, never a production one without both opt-ins), sends to the test recipients
whose outcomes are final (and a simulation send, and another account's message, where it
can), polls each message to its final status and waits, bounded by the target's deadline,
for the delivery reports; then judges every payload.

After a DELETE only deliveries already in flight may reach the old URL: on the target's
first channel the test then DELETEs, sends once more and watches the receiver. Proving
that nothing comes takes time, so it watches twice the slowest send-to-report time just
seen (at least QUIET_MIN_S), never longer than the deadline; the deep profile watches the
whole deadline.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from gatewatch.checks import (
    expect_deleted,
    expect_registration,
    expect_send_accepted,
    findings,
    sent_id,
    violation,
)
from gatewatch.contract.operations import Operation
from gatewatch.suite import SuiteSession
from gatewatch.suite.plugin import no_delivery_reason
from gatewatch.suite.webhook_restore import borrowed_registration
from gatewatch.suite.webhook_watch import (
    DELIVERY_RULES,
    GRACE_AFTER_DELETE,
    Callback,
    Sent,
    callback_or_skip,
    judge,
    poll_to_final,
    refused_reason,
    reports_for,
    since,
    untested,
)

#: The after-DELETE watch, from the send: at least this long, and this many times the
#: slowest send-to-report time this test saw (the deep profile: the deadline).
QUIET_MIN_S = 1.0
QUIET_FACTOR = 2.0


@pytest.fixture(scope="module")
def callback(gw: SuiteSession) -> Iterator[Callback]:
    """The run's receiver, started once for the module (skips every test when there is none)."""
    with ExitStack() as stack:
        yield callback_or_skip(gw, stack)


def _register(gw: SuiteSession, callback: Callback, found: object) -> None:
    """Point the account's webhook at the receiver (POST, or PUT over the one found)."""
    contract, codes = gw.contract, gw.contract.codes
    created = found is None
    exchange = gw.client.webhook(
        Operation.WEBHOOK_CREATE if created else Operation.WEBHOOK_UPDATE, callback.url
    )
    if exchange.status == codes.bad_request:
        untested(gw, refused_reason(callback.url))
    # Not registered, no delivery could come: a failure of the registration's rule, not webhook_lost.
    rule, code = ("webhook_register", codes.created) if created else ("webhook_update", codes.ok)
    why = f"registering the receiver {callback.url}"
    gw.verify(exchange, expect_registration(exchange, contract, rule, code, why, callback_url=callback.url))


def _send(gw: SuiteSession, channel: str, to: str, *, simulation: bool = False, second: bool = False) -> str:
    contract = gw.contract
    extra = {contract.send.dry_run: True} if simulation and contract.send.dry_run else None
    key = gw.keys.second if second else gw.keys.primary
    exchange = gw.client.send(channel, to, "gatewatch webhook deliveries", extra=extra, api_key=key)
    gw.verify(exchange, expect_send_accepted(exchange, contract, dry_run=simulation or None))
    message_id = sent_id(exchange, contract)
    assert message_id is not None  # expect_send_accepted raised otherwise
    return message_id


def _outcomes(gw: SuiteSession) -> list[str]:
    """The configured recipients whose outcome is a final status (one, under a rate limit)."""
    contract = gw.contract
    final = [
        outcome
        for outcome in gw.target.recipients
        if outcome in contract.recipients and contract.is_final(contract.recipients[outcome].final_status)
    ]
    if gw.rate_limited:
        return [o for o in final if o == contract.default_outcome][:1] or final[:1]
    return final


def _skip_without_sends(gw: SuiteSession) -> None:
    reason = no_delivery_reason(gw, "no delivery webhook can be caused")
    if reason is not None:
        untested(gw, reason)


def _await_reports(
    gw: SuiteSession, callback: Callback, messages: list[Sent], first: int, deadline: float
) -> None:
    """Poll the messages to final and wait, within the deadline after the last final, for their reports.

    Under a rate limit the reports come first and one lookup each confirms the final status:
    the vendor recommends webhooks over polling, and every lookup costs budget.
    """
    real = [m for m in messages if not m.simulation]
    came = since(callback.receiver, first)

    def all_reported(_: object) -> bool:
        counts = reports_for(gw, came())
        return all(counts.get(m.id) for m in real)

    if gw.rate_limited:
        callback.receiver.wait_for(all_reported, deadline)
    poll_to_final(gw, real, deadline)
    finals = [at for at in (m.polled(gw).final_at for m in real) if at is not None]
    last_final = max(finals, default=time.monotonic())
    callback.receiver.wait_for(all_reported, max(0.0, last_final + deadline - time.monotonic()))


def _quiet_s(gw: SuiteSession, slowest: float | None, deadline: float) -> float:
    """How long to watch for deliveries that must not come (see the module doc)."""
    if gw.budget.profile.shrinks_programs or slowest is None:
        return deadline
    return min(deadline, max(QUIET_MIN_S, QUIET_FACTOR * slowest))


def _after_delete(gw: SuiteSession, callback: Callback, channel: str, to: str, quiet_s: float) -> list[str]:
    """DELETE the webhook, send, and watch: what reached the old URL that may not have."""
    contract = gw.contract
    grace = contract.webhooks.grace_after_delete_s.value
    first = len(callback.receiver.deliveries())
    exchange = gw.client.webhook(Operation.WEBHOOK_DELETE)
    gw.verify(exchange, expect_deleted(exchange, contract))
    deleted_at = time.monotonic()
    message_id = _send(gw, channel, to)
    came = since(callback.receiver, first)
    callback.receiver.wait_for(lambda _: bool(reports_for(gw, came()).get(message_id)), quiet_s)
    problems: list[str] = []
    reports = len(reports_for(gw, came()).get(message_id, []))
    if reports:
        problems.append(
            f"{reports} delivery report(s) for {message_id}, sent after the DELETE (so not in flight), "
            f"reached the deleted webhook's URL"
        )
    late = [d for d in came() if d.received_at > deleted_at + grace]
    if late:
        problems.append(
            f"{len(late)} delivery(ies) reached the deleted webhook's URL past the {grace:g} s grace"
        )
    return problems


@pytest.mark.gw_rules(*DELIVERY_RULES)
@pytest.mark.gw_one_channel_when_limited
def test_delivery_webhooks_agree_with_the_lookups_and_stop_after_delete(
    gw: SuiteSession, callback: Callback, on_target: str
) -> None:
    """Each channel's final outcomes; on the target's first channel, then the DELETE."""
    _skip_without_sends(gw)
    channel = on_target
    outcomes = _outcomes(gw)
    if not outcomes:
        pytest.skip(f"target {gw.target.name!r} configures no test recipient with a final outcome")
    contract, deadline = gw.contract, gw.target.deadline_for(channel)
    delivered_to = gw.target.recipients[outcomes[0]]
    first = len(callback.receiver.deliveries())
    problems: list[str] = []
    with borrowed_registration(gw) as found:
        _register(gw, callback, found)
        messages: list[Sent] = []
        # Sent first, so their webhooks (which must not come) would come before the others'.
        if contract.send.dry_run is not None and contract.enabled("webhook_no_simulation"):
            messages.append(Sent(_send(gw, channel, delivered_to, simulation=True), channel, simulation=True))
        theirs: set[str] = set()
        if gw.keys.second is not None and not gw.rate_limited:
            # Another account's message: the receiver must never get it (webhook_scoped).
            theirs.add(_send(gw, channel, delivered_to, second=True))
        messages += [Sent(_send(gw, channel, gw.target.recipients[o]), channel) for o in outcomes]
        _await_reports(gw, callback, messages, first, deadline)
        judge(
            gw,
            [m.polled(gw) for m in messages],
            since(callback.receiver, first)(),
            deadline,
            theirs=frozenset(theirs),
        )
        if channel == gw.target.channels[0]:
            arrived = reports_for(gw, since(callback.receiver, first)())
            took = [min(arrived[m.id]) - m.sent_at for m in messages if arrived.get(m.id)]
            slowest = max(took, default=None)
            problems = _after_delete(gw, callback, channel, delivered_to, _quiet_s(gw, slowest, deadline))
            gw.judge(
                findings(
                    contract,
                    [GRACE_AFTER_DELETE],
                    [
                        violation(contract, GRACE_AFTER_DELETE, text, None, "after_delete")
                        for text in problems
                    ],
                )
            )
