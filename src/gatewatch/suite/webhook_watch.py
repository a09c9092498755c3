"""The suite's side of the delivery webhooks: the receiver, the polls, and the verdicts reported.

A suite test sends messages, polls each to its final status (recording when each status
was seen) and waits for the delivery reports on the receiver; `checks.webhook_payloads`
decodes what came and `checks.webhook_deliveries` judges it. This turns the verdict into
the suite's bookkeeping: each failing finding a Violation of its rule (with the rule's
provenance, so the summary, the report, JUnit and the replay line show it), the rules
something judged counted as exercised, and the reported-only findings (duplicates, order)
noted, never failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import NoReturn

import pytest

from gatewatch.checks import findings, violation
from gatewatch.checks.webhook_deliveries import (
    REPORTED_ONLY,
    DecodedDelivery,
    PolledMessage,
    WebhookPolicy,
    WebhookRule,
    WebhookVerdict,
    judge_webhooks,
)
from gatewatch.checks.webhook_payloads import PayloadRule, decode_deliveries, payload_channel, polled_message
from gatewatch.core.options.webhooks import WebhookOptions
from gatewatch.core.webhooks import Delivery, Receiver, ReceiverSettings, callback_url
from gatewatch.suite.session import SuiteSession

#: The rule of deliveries to a deleted webhook's URL (judged by the suite, not judge_webhooks).
GRACE_AFTER_DELETE = "webhook_grace_after_delete"
#: Every delivery-webhook rule (what a run without a receiver leaves untested).
DELIVERY_RULES: tuple[str, ...] = (*PayloadRule, *WebhookRule, GRACE_AFTER_DELETE)
POLL_INTERVAL_S = 0.05
#: Lookups a test may spend attributing webhooks for messages it did not send (1 under a rate limit).
ATTRIBUTION_LOOKUPS = 5
MAX_POLL_INTERVAL_S = 1.0
MAX_POLLS = 10_000


def not_here_reason() -> str:
    """Why a target elsewhere, with no --webhook-listen, has its deliveries untested (one line)."""
    listen, public = WebhookOptions.flag_of("webhook_listen"), WebhookOptions.flag_of("webhook_public_url")
    return (
        f"webhook deliveries not tested: the target is not on this machine; "
        f"give {listen} HOST:PORT (and {public})"
    )


def refused_reason(url: str) -> str:
    """Why a target that refuses the callback (400: it wants https) has its deliveries untested."""
    public = WebhookOptions.flag_of("webhook_public_url")
    return (
        f"webhook deliveries not tested: the target refused the callback {url} (400); "
        f"give {public} with an https URL that forwards to the receiver"
    )


@dataclass(frozen=True, slots=True)
class Callback:
    """The run's receiver and the URL the gateway is told to call."""

    receiver: Receiver
    url: str


def open_callback(gw: SuiteSession, stack: ExitStack) -> Callback | None:
    """Start the receiver where the options say (stopped by `stack`); None: the target is elsewhere."""
    listen = gw.webhooks.listen_address(gw.target)
    if listen is None:
        return None
    public = gw.webhooks.public_url()
    receiver = Receiver(
        ReceiverSettings(listen=listen, secrets=tuple(k for k in (gw.keys.primary, gw.keys.second) if k))
    ).start()
    stack.callback(receiver.stop)
    return Callback(receiver, callback_url(listen, public, receiver.address[1]))


def untested(gw: SuiteSession, reason: str) -> NoReturn:
    """Skip the test, and leave every delivery rule not tested with `reason` (never passed)."""
    gw.skip_rules(DELIVERY_RULES, reason)
    pytest.skip(reason)


def callback_or_skip(gw: SuiteSession, stack: ExitStack) -> Callback:
    """The run's receiver and callback, or the test skipped saying which flag would give one."""
    found = open_callback(gw, stack)
    if found is None:
        untested(gw, not_here_reason())
    return found


@dataclass
class Sent:
    """A message a webhook test sent and polls: its id, channel, and (time, status) pairs seen."""

    id: str
    channel: str
    simulation: bool = False
    sent_at: float = field(default_factory=time.monotonic)
    seen: list[tuple[float, str]] = field(default_factory=list)

    def polled(self, gw: SuiteSession) -> PolledMessage:
        """The message as its lookups saw it."""
        return polled_message(gw.contract, self.id, self.seen, simulation=self.simulation)


def poll_to_final(gw: SuiteSession, messages: Sequence[Sent], deadline_s: float) -> None:
    """Look each message up until its status is final (or the deadline), recording what each showed."""
    started = time.monotonic()
    interval = POLL_INTERVAL_S
    pending = list(messages)
    for _ in range(MAX_POLLS):  # bounded by count and by the deadline
        for message in list(pending):
            exchange = gw.verify(gw.client.lookup(message.id, message.channel))
            body = exchange.response.json_or_none()
            status = body.get(gw.contract.fields.status) if isinstance(body, dict) else None
            if isinstance(status, str):
                message.seen.append((time.monotonic(), status))
                if gw.contract.is_final(status):
                    pending.remove(message)
        if not pending or time.monotonic() - started >= deadline_s:
            return
        time.sleep(interval)  # the gateway's lifecycle takes time: a poll interval, not a race
        interval = min(interval * 1.5, MAX_POLL_INTERVAL_S)


def reports_for(gw: SuiteSession, deliveries: Iterable[Delivery]) -> dict[str | None, list[float]]:
    """When each message's delivery reports arrived, among `deliveries` (decoded by the contract's shapes)."""
    decoded, _ = decode_deliveries(gw.contract, deliveries)
    arrived: dict[str | None, list[float]] = {}
    for one in decoded:
        if one.event_type == gw.contract.webhooks.delivery_event:
            arrived.setdefault(one.message_id, []).append(one.received_at)
    return arrived


def since(receiver: Receiver, first_seq: int) -> Callable[[], tuple[Delivery, ...]]:
    """The receiver's deliveries from arrival `first_seq` on (what one test caused)."""
    return lambda: tuple(d for d in receiver.deliveries() if d.seq >= first_seq)


def payload_rules_judged(
    gw: SuiteSession, deliveries: Sequence[Delivery], decoded: Sequence[DecodedDelivery]
) -> set[str]:
    """The payload rules a check applied to: the shape to any payload, the status fields to reports."""
    judged: set[str] = {PayloadRule.SHAPE} if deliveries else set()
    if any(d.event_type == gw.contract.webhooks.delivery_event for d in decoded):
        judged |= {PayloadRule.STATUS_CODE, PayloadRule.STATUS_WORD}
    return judged


def _the_accounts_other_traffic(
    gw: SuiteSession,
    polled: Sequence[PolledMessage],
    decoded: Sequence[DecodedDelivery],
    theirs: frozenset[str],
) -> set[str | None]:
    """Message ids of webhooks that belong to this account's other traffic: left out of the verdict, noted.

    The account's one callback gets every delivery of the account, not only this run's. A
    webhook for a message this run did not send is looked up with the run's key on the
    channel its payload names: found, it is the account's own (someone else's traffic);
    404, it is another account's, and `judge_webhooks` fails it (`webhook_scoped`). Ids the
    second account sent are never looked up: a webhook for one fails. A READ event that
    names no message this run can match says nothing about scoping. Past the lookup budget
    the rest are noted, not judged.
    """
    contract = gw.contract
    ours = {m.message_id for m in polled}
    budget = 1 if gw.rate_limited else ATTRIBUTION_LOOKUPS
    own: set[str | None] = set()
    unattributed: set[str | None] = set()
    for one in decoded:
        if one.message_id in ours or one.message_id in theirs or one.message_id in own | unattributed:
            continue
        if one.message_id is None:
            if one.event_type != contract.webhooks.delivery_event:
                unattributed.add(None)
            continue
        channel = payload_channel(contract, one.payload)
        if channel is None:
            continue  # judged a stranger: nothing to look it up by
        if budget <= 0:
            unattributed.add(one.message_id)
            continue
        budget -= 1
        if gw.client.lookup(one.message_id, channel).status == contract.codes.ok:
            own.add(one.message_id)
    rule = WebhookRule.OWN_MESSAGE
    if own and contract.enabled(rule):
        gw.note(
            rule,
            f"{len(own)} message(s) of this account that this run did not send: their webhooks not judged",
        )
    if unattributed and contract.enabled(rule):
        gw.note(
            rule,
            f"{len(unattributed)} message(s) this run did not send, not looked up: their webhooks not judged",
        )
    return own | unattributed


def judge(
    gw: SuiteSession,
    polled: Sequence[PolledMessage],
    deliveries: Sequence[Delivery],
    deadline_s: float,
    *,
    theirs: frozenset[str] = frozenset(),
) -> WebhookVerdict:
    """Judge what came against the polls; report it through the suite (raises on a failure).

    `theirs`: the ids the second account sent (a webhook for one is never this account's).
    """
    contract = gw.contract
    decoded, wrong = decode_deliveries(contract, deliveries)
    left_out = _the_accounts_other_traffic(gw, polled, decoded, theirs)
    decoded = [d for d in decoded if d.message_id not in left_out]
    policy = WebhookPolicy.of(contract, deadline_s=deadline_s, unknown_fails=True)
    verdict = judge_webhooks(contract, polled, decoded, policy, now=time.monotonic())
    for finding in verdict.findings:
        if finding.rule in REPORTED_ONLY and contract.enabled(finding.rule):
            gw.note(finding.rule, finding.text())
    failing = [violation(contract, f.rule, f.text(), None, judge_webhooks.__name__) for f in verdict.failures]
    judged = payload_rules_judged(gw, deliveries, decoded) | set(verdict.judged)
    gw.judge(findings(contract, judged, [*wrong, *failing]))
    return verdict
