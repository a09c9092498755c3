"""The webhook rules as tables: each finding, and the cases that find nothing (pure functions, no I/O)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from gatewatch.checks.webhook_deliveries import (
    DecodedDelivery,
    PolledMessage,
    WebhookFinding,
    WebhookPolicy,
    WebhookRule,
    WebhookState,
    judge_webhooks,
)
from gatewatch.contract import default_contract

CONTRACT = default_contract()
POLICY = WebhookPolicy(
    deadline_s=10, delivery_events=frozenset({"DELIVERY"}), ignored_events=frozenset({"INBOUND"})
)
DELIVERED = frozenset({"DELIVERED"})
NOT_DELIVERED = frozenset({"ERROR", "EXPIRED"})  # statusCode 6
FINAL_AT = 100.0


def hook(
    at: float,
    statuses: frozenset[str] = DELIVERED,
    *,
    event: str | None = "DELIVERY",
    message_id: str | None = "m-1",
    event_at: float | None = None,
) -> DecodedDelivery:
    return DecodedDelivery(
        message_id=message_id, event_type=event, statuses=statuses, received_at=at, event_at=event_at
    )


def read(at: float, event_at: float | None = None) -> DecodedDelivery:
    return hook(at, frozenset(), event="READ", event_at=event_at)


def final(status: str = "DELIVERED", **more: Any) -> PolledMessage:
    return PolledMessage(message_id="m-1", last_status=status, final_status=status, final_at=FINAL_AT, **more)


LOST = (WebhookRule.LOST, True)
AGREES = (WebhookRule.AGREES, True)
DUPLICATE = (WebhookRule.DUPLICATE, False)
ORDER = (WebhookRule.ORDER, False)
SIMULATION = (WebhookRule.NOT_FOR_SIMULATION, True)

# (message, webhooks, now, state, findings as (rule, fails))
CASES: dict[
    str, tuple[PolledMessage, list[DecodedDelivery], float, WebhookState, set[tuple[WebhookRule, bool]]]
] = {
    "arrived after the poll, in time": (final(), [hook(105)], 200, WebhookState.ARRIVED, set()),
    "arrived before the poll saw final": (final(), [hook(95)], 200, WebhookState.ARRIVED, set()),
    "arrived exactly at the deadline": (final(), [hook(110)], 200, WebhookState.ARRIVED, set()),
    "none yet, deadline not passed": (final(), [], 109.9, WebhookState.WAITING, set()),
    "none, deadline passed": (final(), [], 110, WebhookState.LOST, {LOST}),
    "arrived after the deadline": (final(), [hook(110.5)], 200, WebhookState.LOST, {LOST}),
    "arrived late, judged before it came": (final(), [hook(115)], 111, WebhookState.LOST, {LOST}),
    "only a READ event came": (final(), [read(105)], 200, WebhookState.LOST, {LOST}),
    "only an out-of-scope reply came": (
        final(),
        [hook(105, event="INBOUND")],
        200,
        WebhookState.LOST,
        {LOST},
    ),
    "statusCode 6 against DELIVERED": (
        final(),
        [hook(105, NOT_DELIVERED)],
        200,
        WebhookState.ARRIVED,
        {AGREES},
    ),
    "statusCode 6 agrees with EXPIRED": (
        final("EXPIRED"),
        [hook(105, NOT_DELIVERED)],
        200,
        WebhookState.ARRIVED,
        set(),
    ),
    "statusCode 6 agrees with ERROR": (
        final("ERROR"),
        [hook(105, NOT_DELIVERED)],
        200,
        WebhookState.ARRIVED,
        set(),
    ),
    "statusCode 3 against ERROR": (final("ERROR"), [hook(105)], 200, WebhookState.ARRIVED, {AGREES}),
    "a report naming no status": (final(), [hook(105, frozenset())], 200, WebhookState.ARRIVED, {AGREES}),
    "a right one, then a contradicting one": (
        final(),
        [hook(105), hook(106, NOT_DELIVERED)],
        200,
        WebhookState.ARRIVED,
        {AGREES},
    ),
    "the same report twice": (final(), [hook(105), hook(106)], 200, WebhookState.ARRIVED, {DUPLICATE}),
    "a retry carrying its first time is a duplicate, not out of order": (
        final(),
        [hook(105, event_at=103), hook(107, event_at=103)],
        200,
        WebhookState.ARRIVED,
        {DUPLICATE},
    ),
    "the same news stamped earlier the second time is a duplicate, not out of order": (
        final(),
        [hook(105, event_at=104), hook(107, event_at=103)],
        200,
        WebhookState.ARRIVED,
        {DUPLICATE},
    ),
    "READ stamped before DELIVERY arrived first": (
        final(),
        [read(105, event_at=104), hook(106, event_at=103)],
        200,
        WebhookState.ARRIVED,
        {ORDER},
    ),
    "READ after DELIVERY, in order": (
        final(),
        [hook(105, event_at=103), read(106, event_at=104)],
        200,
        WebhookState.ARRIVED,
        set(),
    ),
    "no payload times: order not judged": (final(), [read(105), hook(106)], 200, WebhookState.ARRIVED, set()),
    "poll not final, report ahead of it": (
        PolledMessage(message_id="m-1", last_status="RECEIVED"),
        [hook(105)],
        200,
        WebhookState.NOT_FINAL,
        set(),
    ),
    "poll not final, report the latest status cannot reach": (
        PolledMessage(message_id="m-1", last_status="RECEIVED"),
        [hook(105, frozenset({"SENT"}))],
        200,
        WebhookState.NOT_FINAL,
        {AGREES},
    ),
    "never polled, a report came": (
        PolledMessage(message_id="m-1"),
        [hook(105)],
        200,
        WebhookState.NOT_FINAL,
        set(),
    ),
    "never polled, a report naming no status": (
        PolledMessage(message_id="m-1"),
        [hook(105, frozenset())],
        200,
        WebhookState.NOT_FINAL,
        {AGREES},
    ),
    "never polled, nothing came": (
        PolledMessage(message_id="m-1"),
        [],
        10_000,
        WebhookState.NOT_FINAL,
        set(),
    ),
    "simulation send, none came": (final(simulation=True), [], 10_000, WebhookState.NOT_EXPECTED, set()),
    "simulation send, one came": (
        final(simulation=True),
        [hook(105, NOT_DELIVERED)],
        200,
        WebhookState.NOT_EXPECTED,
        {SIMULATION},
    ),
    "simulation send, a READ came": (
        final(simulation=True),
        [read(105)],
        200,
        WebhookState.NOT_EXPECTED,
        {SIMULATION},
    ),
    "lost, contradicting and duplicated at once": (
        final(),
        [hook(111, NOT_DELIVERED), hook(112, NOT_DELIVERED)],
        200,
        WebhookState.LOST,
        {LOST, AGREES, DUPLICATE},
    ),
}


@pytest.mark.parametrize(
    ("message", "webhooks", "now", "state", "expected"), CASES.values(), ids=CASES.keys()
)
def test_one_message_against_its_webhooks(
    message: PolledMessage,
    webhooks: list[DecodedDelivery],
    now: float,
    state: WebhookState,
    expected: set[tuple[WebhookRule, bool]],
) -> None:
    verdict = judge_webhooks(CONTRACT, [message], webhooks, POLICY, now=now)
    (observed,) = verdict.messages
    assert observed.state is state
    assert {(f.rule, f.fails) for f in observed.findings} == expected
    assert len(observed.findings) == len(expected)  # one finding per rule and message
    assert verdict.unknown == ()
    assert all(f.message_id == "m-1" for f in observed.findings)


@pytest.mark.parametrize(
    ("webhooks", "now", "expected"),
    [
        ([hook(105)], 200, 5.0),
        ([hook(95), hook(97)], 200, -5.0),
        ([hook(103, NOT_DELIVERED), hook(106)], 200, 6.0),  # the first that agrees
        ([hook(104, NOT_DELIVERED)], 200, None),
        ([], 105, None),
    ],
)
def test_time_to_final_by_webhook_minus_by_poll(
    webhooks: list[DecodedDelivery], now: float, expected: float | None
) -> None:
    (observed,) = judge_webhooks(CONTRACT, [final()], webhooks, POLICY, now=now).messages
    assert observed.webhook_minus_poll_s == expected
    assert observed.poll_final_at == FINAL_AT


def test_the_counts_of_one_message() -> None:
    webhooks = [
        hook(101, event_at=99),
        hook(102, event_at=99),
        read(103, event_at=104),
        hook(104, NOT_DELIVERED, event_at=100),
        hook(105, event="INBOUND"),
    ]
    verdict = judge_webhooks(CONTRACT, [final()], webhooks, POLICY, now=200)
    (observed,) = verdict.messages
    assert (observed.deliveries, observed.reports, observed.duplicates) == (4, 3, 1)
    assert (observed.out_of_order, observed.contradicting, verdict.ignored) == (1, 1, 1)


@pytest.mark.parametrize(
    ("webhook", "unknown_fails", "expected"),
    [
        (hook(105, message_id="m-other"), True, [(WebhookRule.OWN_MESSAGE, "m-other", True)]),
        (hook(105, message_id="m-other"), False, [(WebhookRule.OWN_MESSAGE, "m-other", False)]),
        (hook(105, message_id=None), True, [(WebhookRule.OWN_MESSAGE, None, True)]),
        (hook(105, message_id="m-other", event="INBOUND"), True, []),
        (hook(105), True, []),
    ],
    ids=["another message", "another message, shared callback", "no id", "an ignored reply", "ours"],
)
def test_webhooks_for_no_message_of_the_run(
    webhook: DecodedDelivery, unknown_fails: bool, expected: list[tuple[WebhookRule, str | None, bool]]
) -> None:
    policy = WebhookPolicy(
        deadline_s=10,
        delivery_events=POLICY.delivery_events,
        ignored_events=POLICY.ignored_events,
        unknown_fails=unknown_fails,
    )
    verdict = judge_webhooks(CONTRACT, [final()], [webhook], policy, now=200)
    assert [(f.rule, f.message_id, f.fails) for f in verdict.unknown] == expected


def test_unknown_webhooks_are_one_finding_per_message_id() -> None:
    webhooks = [hook(1, message_id="x"), hook(2, message_id="x"), hook(3, message_id="y")]
    verdict = judge_webhooks(CONTRACT, [], webhooks, POLICY, now=200)
    assert sorted((f.message_id, f.detail.split()[0]) for f in verdict.unknown) == [("x", "2"), ("y", "1")]
    assert verdict.messages == ()


def test_the_verdict_gathers_findings_and_failures_and_counts_states() -> None:
    messages = [
        final(),
        PolledMessage(message_id="m-2", last_status="EXPIRED", final_status="EXPIRED", final_at=FINAL_AT),
        PolledMessage(message_id="m-3", last_status="SENT"),
    ]
    webhooks = [hook(105), hook(106), hook(107, message_id="stranger")]
    verdict = judge_webhooks(CONTRACT, messages, webhooks, POLICY, now=200)
    assert [f.rule for f in verdict.findings] == [
        WebhookRule.DUPLICATE,
        WebhookRule.LOST,
        WebhookRule.OWN_MESSAGE,
    ]
    assert [f.rule for f in verdict.failures] == [WebhookRule.LOST, WebhookRule.OWN_MESSAGE]
    assert [verdict.count(s) for s in (WebhookState.ARRIVED, WebhookState.LOST, WebhookState.NOT_FINAL)] == [
        1,
        1,
        1,
    ]


def test_the_order_webhooks_are_given_in_does_not_matter() -> None:
    webhooks = [hook(105, event_at=103), read(104, event_at=104), hook(107, NOT_DELIVERED), hook(108)]
    expected = judge_webhooks(CONTRACT, [final()], webhooks, POLICY, now=200)
    shuffled = webhooks[:]
    random.Random(4).shuffle(shuffled)
    assert judge_webhooks(CONTRACT, [final()], shuffled, POLICY, now=200) == expected


@pytest.mark.parametrize(
    ("messages", "webhooks", "judged"),
    [
        ([final()], [], set()),  # lost not yet judged: the deadline has not passed at now=105
        ([final()], [hook(104)], {"own", "dup", "order", "agrees", "lost"}),
        ([PolledMessage(message_id="m-1")], [hook(104)], {"own", "dup", "order", "agrees"}),
        ([final(simulation=True)], [], {"simulation"}),
    ],
)
def test_a_rule_counts_as_judged_only_when_an_observation_could_break_it(
    messages: list[PolledMessage], webhooks: list[DecodedDelivery], judged: set[str]
) -> None:
    names = {
        WebhookRule.OWN_MESSAGE: "own",
        WebhookRule.DUPLICATE: "dup",
        WebhookRule.ORDER: "order",
        WebhookRule.AGREES: "agrees",
        WebhookRule.LOST: "lost",
        WebhookRule.NOT_FOR_SIMULATION: "simulation",
    }
    verdict = judge_webhooks(CONTRACT, messages, webhooks, POLICY, now=105)
    assert {names[r] for r in verdict.judged} == judged


@pytest.mark.parametrize(("status", "at"), [("DELIVERED", None), (None, 1.0)])
def test_a_final_status_and_its_time_come_together(status: str | None, at: float | None) -> None:
    with pytest.raises(ValueError, match="final status"):
        PolledMessage(message_id="m-1", final_status=status, final_at=at)


def test_a_headline_is_one_bounded_line() -> None:
    finding = WebhookFinding(WebhookRule.LOST, "m-" + "9" * 5000, "no delivery report", fails=True)
    headline = finding.headline()
    assert headline.startswith("[webhook_lost] m-99") and len(headline) < 2100 and "\n" not in headline
