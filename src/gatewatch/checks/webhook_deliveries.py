"""The delivery-webhook rules, judged from what the poll and the receiver observed: no I/O.

Each message the harness sent has two witnesses: its lookups (the poll: the latest status,
the final one and when the poll first saw it) and the webhooks the receiver got for it,
already decoded to a message id, an event type and the lookup statuses its payload stands
for (`statusCode` 6 stands for two). `judge_webhooks` compares them, message by message:

- `webhook_agrees_with_lookup` (fails): a delivery report names a status the poll's final contradicts,
  or, before the poll sees final, one the latest polled status cannot reach;
- `webhook_lost` (fails): the poll saw the final status and no delivery report came within
  the deadline after it (one that comes later is still lost, and says how late);
- `webhook_scoped` (fails unless the policy says otherwise): a webhook for a message
  this run did not send (another account's, or one with no id to match);
- `webhook_no_simulation` (fails): a webhook for a `simulation: true` send;
- `webhook_duplicate` (reported, never a failure): the same news more than once;
- `webhook_order` (reported): a webhook whose own time is earlier than one that came before it.

Times are seconds on one clock (the caller's monotonic clock): the poll's, the arrivals',
and each payload's own time converted onto it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gatewatch.contract import Contract
from gatewatch.core.bounds import clip


class WebhookRule(StrEnum):
    """The webhook rules' ids."""

    AGREES = "webhook_agrees_with_lookup"
    LOST = "webhook_lost"
    OWN_MESSAGE = "webhook_scoped"
    NOT_FOR_SIMULATION = "webhook_no_simulation"
    DUPLICATE = "webhook_duplicate"
    ORDER = "webhook_order"


#: What is reported and never fails a run (the spec: "duplicates are allowed and reported").
REPORTED_ONLY = frozenset({WebhookRule.DUPLICATE, WebhookRule.ORDER})


class WebhookState(StrEnum):
    """Where one message stands with its webhooks."""

    ARRIVED = "arrived"  # a delivery report came within the deadline after the poll saw final
    LOST = "lost"  # none came within it
    WAITING = "waiting"  # the poll saw final, the deadline has not passed, none yet
    NOT_FINAL = "not_final"  # the poll has not seen a final status: nothing is due yet
    NOT_EXPECTED = "not_expected"  # a simulation send: no webhook may come


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookPolicy:
    """What the rules need besides the observations."""

    #: How long after the poll first saw the final status a delivery report may take.
    deadline_s: float
    #: The event types that report a delivery status (the contract's DELIVERY).
    delivery_events: frozenset[str]
    #: Event types out of scope (replies): counted, otherwise not judged.
    ignored_events: frozenset[str] = frozenset()
    #: False where other senders share the account's one callback (a long-lived probe):
    #: a webhook for a message this run did not send is then reported, not failed.
    unknown_fails: bool = True

    @classmethod
    def of(cls, contract: Contract, *, deadline_s: float, unknown_fails: bool) -> WebhookPolicy:
        """The policy the contract's event types give, with this deadline."""
        hooks = contract.webhooks
        return cls(
            deadline_s=deadline_s,
            delivery_events=frozenset({hooks.delivery_event}),
            ignored_events=hooks.ignored_events,
            unknown_fails=unknown_fails,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PolledMessage:
    """One message the harness sent, as its lookups saw it."""

    message_id: str
    #: The latest status a lookup showed (None: none yet).
    last_status: str | None = None
    #: The final status the lookups reached, and when the poll first saw it.
    final_status: str | None = None
    final_at: float | None = None
    #: Sent with `simulation: true`: no webhook may come for it.
    simulation: bool = False

    def __post_init__(self) -> None:
        if (self.final_status is None) != (self.final_at is None):
            raise ValueError("a final status needs the time the poll first saw it, and only then")


@dataclass(frozen=True, slots=True, kw_only=True)
class DecodedDelivery:
    """One webhook the receiver got, decoded by the contract's payload shape."""

    #: The harness's id of the message (None: the payload carried none that matched).
    message_id: str | None
    event_type: str | None
    #: The lookup statuses the payload's status stands for; empty when it names none.
    statuses: frozenset[str]
    received_at: float
    #: The payload's own time on the same clock (None when absent or unreadable).
    event_at: float | None = None
    payload: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class WebhookFinding:
    """One thing the webhooks showed, under its rule; `fails` says whether it fails the run."""

    rule: WebhookRule
    message_id: str | None
    detail: str
    fails: bool

    def text(self) -> str:
        """One line without the rule (for reports that show the rule beside it): `message id: detail`."""
        about = f"{self.message_id}: " if self.message_id is not None else ""
        return clip(f"{about}{self.detail}")

    def headline(self) -> str:
        """One line: `[rule] message id: detail`."""
        return clip(f"[{self.rule}] {self.text()}")


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookObservation:
    """One message's webhooks beside its poll: counts, times and findings."""

    message_id: str
    state: WebhookState
    final_status: str | None
    #: When the poll first saw the final status.
    poll_final_at: float | None
    #: When the first delivery report agreeing with that status arrived.
    webhook_final_at: float | None
    deliveries: int  # webhooks in scope for this message, of any event type
    reports: int  # of which delivery reports
    duplicates: int
    out_of_order: int
    contradicting: int
    findings: tuple[WebhookFinding, ...] = ()

    @property
    def webhook_minus_poll_s(self) -> float | None:
        """Time to the final status by webhook minus by poll (negative: the webhook was first)."""
        if self.webhook_final_at is None or self.poll_final_at is None:
            return None
        return self.webhook_final_at - self.poll_final_at


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookVerdict:
    """Every message's observation, the webhooks for no message of the run, and the rules judged."""

    messages: tuple[WebhookObservation, ...]
    unknown: tuple[WebhookFinding, ...] = ()
    ignored: int = 0  # webhooks of an out-of-scope event type
    judged: frozenset[WebhookRule] = frozenset()

    @property
    def findings(self) -> tuple[WebhookFinding, ...]:
        """Every finding: the messages' in order, then the unknown webhooks'."""
        return (*(f for m in self.messages for f in m.findings), *self.unknown)

    @property
    def failures(self) -> tuple[WebhookFinding, ...]:
        """The findings that fail the run."""
        return tuple(f for f in self.findings if f.fails)

    def count(self, state: WebhookState) -> int:
        """How many messages are in `state`."""
        return sum(m.state is state for m in self.messages)


def judge_webhooks(
    contract: Contract,
    polled: Iterable[PolledMessage],
    deliveries: Iterable[DecodedDelivery],
    policy: WebhookPolicy,
    *,
    now: float,
) -> WebhookVerdict:
    """Judge every message's webhooks against its poll, as of `now`."""
    messages = {m.message_id: m for m in polled}
    by_message: dict[str, list[DecodedDelivery]] = defaultdict(list)
    strangers: list[DecodedDelivery] = []
    ignored = 0
    # Arrival order; sorted() is stable, so equal times keep the order given.
    for delivery in sorted(deliveries, key=lambda d: d.received_at):
        if delivery.event_type in policy.ignored_events:
            ignored += 1
        elif delivery.message_id in messages:
            by_message[delivery.message_id].append(delivery)
        else:
            strangers.append(delivery)
    observations = tuple(
        _observe(contract, message, by_message.get(message.message_id, []), policy, now)
        for message in messages.values()
    )
    return WebhookVerdict(
        messages=observations,
        unknown=_strangers(strangers, policy),
        ignored=ignored,
        judged=_judged(messages.values(), observations, bool(by_message or strangers)),
    )


def _observe(
    contract: Contract,
    message: PolledMessage,
    deliveries: Sequence[DecodedDelivery],
    policy: WebhookPolicy,
    now: float,
) -> WebhookObservation:
    reports = [d for d in deliveries if d.event_type in policy.delivery_events]
    final = message.final_status
    agreeing = [d.received_at for d in reports if final is not None and final in d.statuses]
    contradicting = [] if message.simulation else [d for d in reports if not _agrees(contract, message, d)]
    duplicates = _duplicates(deliveries)
    late = _out_of_order(deliveries)
    state, lost_detail = _state(message, reports, policy.deadline_s, now)
    findings = [
        *_simulation_finding(message, deliveries),
        *_agreement_finding(message, contradicting),
        *_lost_finding(message, lost_detail),
        *_reported(WebhookRule.DUPLICATE, message.message_id, duplicates, "came more than once"),
        *_reported(WebhookRule.ORDER, message.message_id, late, "came after a later one"),
    ]
    return WebhookObservation(
        message_id=message.message_id,
        state=state,
        final_status=final,
        poll_final_at=message.final_at,
        webhook_final_at=min(agreeing, default=None),
        deliveries=len(deliveries),
        reports=len(reports),
        duplicates=duplicates,
        out_of_order=late,
        contradicting=len(contradicting),
        findings=tuple(findings),
    )


def _agrees(contract: Contract, message: PolledMessage, report: DecodedDelivery) -> bool:
    """The report names the poll's final status, or (before it) one the latest status can reach."""
    if message.final_status is not None:
        return message.final_status in report.statuses
    if message.last_status is None:
        return bool(report.statuses)
    return any(contract.reachable(message.last_status, status) for status in report.statuses)


def _state(
    message: PolledMessage, reports: Sequence[DecodedDelivery], deadline_s: float, now: float
) -> tuple[WebhookState, str | None]:
    """The message's state, and when lost, why (the detail of its finding)."""
    if message.simulation:
        return WebhookState.NOT_EXPECTED, None
    if message.final_at is None:
        return WebhookState.NOT_FINAL, None
    due = message.final_at + deadline_s
    first = min((d.received_at for d in reports), default=None)
    if first is not None and first <= due:
        return WebhookState.ARRIVED, None
    if first is not None:
        return WebhookState.LOST, (
            f"the first delivery report came {first - message.final_at:.1f} s after the poll saw "
            f"{message.final_status}, past the {deadline_s:g} s deadline"
        )
    if now >= due:
        return WebhookState.LOST, (
            f"no delivery report within {deadline_s:g} s after the poll saw {message.final_status}"
        )
    return WebhookState.WAITING, None


def _duplicates(deliveries: Sequence[DecodedDelivery]) -> int:
    """Webhooks beyond the first with the same news (event type and statuses)."""
    seen = Counter((d.event_type, d.statuses) for d in deliveries)
    return sum(n - 1 for n in seen.values())


def _out_of_order(deliveries: Sequence[DecodedDelivery]) -> int:
    """Webhooks whose own time is earlier than that of a different one that arrived before."""
    late = 0
    latest: dict[tuple[str | None, frozenset[str]], float] = {}
    for delivery in deliveries:
        if delivery.event_at is None:
            continue
        news = (delivery.event_type, delivery.statuses)
        if any(at > delivery.event_at for key, at in latest.items() if key != news):
            late += 1
        latest[news] = max(latest.get(news, delivery.event_at), delivery.event_at)
    return late


def _simulation_finding(
    message: PolledMessage, deliveries: Sequence[DecodedDelivery]
) -> list[WebhookFinding]:
    if not (message.simulation and deliveries):
        return []
    detail = f"{len(deliveries)} webhook(s) for a simulation send, which must get none"
    return [WebhookFinding(WebhookRule.NOT_FOR_SIMULATION, message.message_id, detail, fails=True)]


def _agreement_finding(
    message: PolledMessage, contradicting: Sequence[DecodedDelivery]
) -> list[WebhookFinding]:
    if not contradicting:
        return []
    named = sorted({status for d in contradicting for status in d.statuses}) or ["no status"]
    if message.final_status is not None:
        against = f"the lookups' final status {message.final_status}"
    elif message.last_status is not None:
        against = f"the lookups' latest status {message.last_status}, which cannot reach it"
    else:
        against = "a status the lookups know"
    detail = f"{len(contradicting)} delivery report(s) say {' or '.join(named)}, not {against}"
    return [WebhookFinding(WebhookRule.AGREES, message.message_id, detail, fails=True)]


def _lost_finding(message: PolledMessage, detail: str | None) -> list[WebhookFinding]:
    if detail is None:
        return []
    return [WebhookFinding(WebhookRule.LOST, message.message_id, detail, fails=True)]


def _reported(rule: WebhookRule, message_id: str, count: int, what: str) -> list[WebhookFinding]:
    if not count:
        return []
    return [WebhookFinding(rule, message_id, f"{count} webhook(s) {what}", fails=rule not in REPORTED_ONLY)]


def _strangers(strangers: Sequence[DecodedDelivery], policy: WebhookPolicy) -> tuple[WebhookFinding, ...]:
    """One finding per message id this run did not send (and one for webhooks with no id)."""
    counts = Counter(d.message_id for d in strangers)
    found = []
    for message_id, count in counts.items():
        if message_id is None:
            detail = f"{count} webhook(s) name no message this harness can match"
        else:
            detail = f"{count} webhook(s) for a message this run did not send (another account's?)"
        found.append(WebhookFinding(WebhookRule.OWN_MESSAGE, message_id, detail, fails=policy.unknown_fails))
    return tuple(found)


def _judged(
    messages: Iterable[PolledMessage], observations: Sequence[WebhookObservation], any_webhook: bool
) -> frozenset[WebhookRule]:
    """The rules some observation could have broken (a rule with nothing to judge is not exercised)."""
    judged: set[WebhookRule] = set()
    if any_webhook:
        judged |= {WebhookRule.OWN_MESSAGE, WebhookRule.DUPLICATE, WebhookRule.ORDER}
    if any(o.reports and o.state is not WebhookState.NOT_EXPECTED for o in observations):
        judged.add(WebhookRule.AGREES)
    if any(o.state in (WebhookState.ARRIVED, WebhookState.LOST) for o in observations):
        judged.add(WebhookRule.LOST)
    if any(m.simulation for m in messages):
        judged.add(WebhookRule.NOT_FOR_SIMULATION)
    return frozenset(judged)
