"""Every registered check fails on an answer that breaks its rule and passes a conforming one.

The vendor dialect (the default) is the main subject; the strict dialect's differences
(batch object, error codes, UTC-only updatedAt) have their own cases.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from gatewatch.checks import (
    REGISTRY,
    LifecycleTracker,
    batch_agrees_with_singles,
    batch_excludes,
    burst_findings,
    expect_send_accepted,
    expect_unknown_id,
    recovery_findings,
    run_checks,
)
from gatewatch.contract import Contract, default_contract, resolve_contract
from gatewatch.contract.operations import Operation
from gatewatch.core.exchange import Exchange, RecordedRequest, RecordedResponse, Throttle
from gatewatch.core.ratelimit import RateLimit

CONTRACT = default_contract()
STRICT = resolve_contract("strict")
JSON = (("Content-Type", "application/json"),)
LIMITED = (*JSON, ("X-RateLimit-Limit", "1000"), ("X-RateLimit-Remaining", "990"))


def status_body(**changes: Any) -> dict[str, Any]:
    body = {
        "customerMessageId": "m-1",
        "channel": "SMS",
        "deliveryStato": "SENT",
        "deliveryStatoDescription": None,
        "updatedAt": "2026-01-01T00:00:00Z",
    }
    body.update(changes)
    return body


def exchange(
    operation: Operation,
    status: int,
    body: object,
    *,
    headers: tuple[tuple[str, str], ...] = JSON,
    message_id: str | None = "m-1",
    channel: str | None = "SMS",
    ids: tuple[str, ...] = (),
    retried: tuple[RecordedResponse, ...] = (),
    throttled: tuple[Throttle, ...] = (),
    rate_limit: str | None = None,
) -> Exchange:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange(
        operation,
        RecordedRequest("GET", "http://127.0.0.1/api/x", (("X-Api-Key", "***"),)),
        RecordedResponse(status, headers, raw, 0.001),
        retried=retried,
        message_id=message_id,
        channel=channel,
        ids=ids,
        throttled=throttled,
        keyed=True,
        rate_limit=rate_limit,
    )


ERROR = {"status": 404, "error": "Not Found", "message": "no such message"}
STRICT_ERROR = {"code": "NOT_FOUND", "message": "no such message"}
TOO_MANY = {"status": 429, "error": "Too Many Requests", "message": "slow down", "retryAfter": 1}


def answer(status: int, body: object, headers: tuple[tuple[str, str], ...] = JSON) -> RecordedResponse:
    return RecordedResponse(
        status, headers, json.dumps(body).encode() if not isinstance(body, bytes) else body, 0
    )


def throttle(body: object = TOO_MANY, *, under: bool | None = False, headers=JSON) -> Throttle:  # type: ignore[no-untyped-def]
    return Throttle(answer(429, body, headers), 1.0, 3, 40, under)


# (description, exchange, the rule that must fail)
BROKEN = [
    ("a 302 on a lookup", exchange("lookup", 302, ERROR), "status_code_allowed"),
    (
        "a 500 after every retry",
        exchange("lookup", 500, {"status": 500, "error": "Internal", "message": "x"}),
        "server_error_retried",
    ),
    (
        "text/plain 200",
        exchange("lookup", 200, status_body(), headers=(("Content-Type", "text/plain"),)),
        "content_type_json",
    ),
    (
        "a missing required field",
        exchange("lookup", 200, {k: v for k, v in status_body().items() if k != "deliveryStatoDescription"}),
        "response_schema",
    ),
    ("a 200 that is not JSON", exchange("lookup", 200, b"{oops"), "response_schema"),
    ("an error body without error", exchange("lookup", 404, {"status": 404, "message": "x"}), "error_body"),
    ("the strict error body", exchange("lookup", 404, STRICT_ERROR), "error_body"),
    (
        "an error body whose status is not the code",
        exchange("lookup", 404, {**ERROR, "status": 200}),
        "error_body",
    ),
    (
        "a plain-text error",
        exchange("lookup", 404, b"Not Found", headers=(("Content-Type", "text/plain"),)),
        "error_body",
    ),
    ("a lowercase status", exchange("lookup", 200, status_body(deliveryStato="sent")), "status_in_enum"),
    ("a lowercase channel", exchange("lookup", 200, status_body(channel="sms")), "channel_in_enum"),
    ("another id echoed", exchange("lookup", 200, status_body(customerMessageId="M-1")), "echo_id"),
    ("another channel echoed", exchange("lookup", 200, status_body(channel="RCS")), "echo_channel"),
    ("ERROR without reason", exchange("lookup", 200, status_body(deliveryStato="ERROR")), "error_has_reason"),
    (
        "ERROR with a blank reason",
        exchange("lookup", 200, status_body(deliveryStato="ERROR", deliveryStatoDescription=" ")),
        "error_has_reason",
    ),
    (
        "a naive updatedAt",
        exchange("lookup", 200, status_body(updatedAt="2026-01-01T00:00:00")),
        "updated_at_format",
    ),
    (
        "a batch object in the array dialect",
        exchange("batch", 200, {"statuses": [], "notFound": []}),
        "response_schema",
    ),
    (
        "an entry twice",
        exchange("batch", 200, [status_body(), status_body()], ids=("m-1",)),
        "batch_entries",
    ),
    ("an entry not asked for", exchange("batch", 200, [status_body()], ids=("zz",)), "batch_entries"),
    ("a 404 when nothing matches", exchange("batch", 404, ERROR, ids=("zz",)), "batch_entries"),
    ("a send without id", exchange("send", 201, {"channel": "SMS"}), "response_schema"),
    (
        "a retried 500 without the error body",
        exchange("lookup", 200, status_body(), retried=(RecordedResponse(500, JSON, b"oops", 0),)),
        "error_body",
    ),
    (
        "a 429 without retryAfter",
        exchange("lookup", 200, status_body(), throttled=(throttle({**TOO_MANY, "retryAfter": None}),)),
        "rate_limit_body",
    ),
    (
        "a 429 in HTML",
        exchange(
            "lookup",
            200,
            status_body(),
            throttled=(throttle(b"<h1>slow</h1>", headers=(("Content-Type", "text/html"),)),),
        ),
        "rate_limit_body",
    ),
    (
        "no rate-limit headers to a valid key under a limit",
        exchange("lookup", 200, status_body(), rate_limit="1000/min"),
        "rate_limit_headers",
    ),
    (
        "remaining above the limit",
        exchange(
            "lookup",
            200,
            status_body(),
            headers=(*JSON, ("X-RateLimit-Limit", "10"), ("X-RateLimit-Remaining", "11")),
            rate_limit="10/s",
        ),
        "rate_limit_headers",
    ),
    (
        "a 429 while the harness was under its pace",
        exchange("lookup", 200, status_body(), throttled=(throttle(under=True),), rate_limit="1000/min"),
        "throttled_below_limit",
    ),
]

STRICT_BROKEN = [
    ("a camelCase error code", exchange("lookup", 404, {"code": "notFound", "message": "x"}), "error_body"),
    ("the vendor error body", exchange("lookup", 404, ERROR), "error_body"),
    (
        "a +02:00 updatedAt",
        exchange("lookup", 200, status_body(updatedAt="2026-01-01T02:00:00+02:00")),
        "updated_at_format",
    ),
    (
        "an id in both lists",
        exchange("batch", 200, {"statuses": [status_body()], "notFound": ["m-1"]}, ids=("m-1",)),
        "batch_entries",
    ),
    (
        "an id dropped",
        exchange("batch", 200, {"statuses": [], "notFound": []}, ids=("m-1", "zz")),
        "batch_entries",
    ),
    (
        "a missing updatedAt",
        exchange("lookup", 200, {k: v for k, v in status_body().items() if k != "updatedAt"}),
        "response_schema",
    ),
    ("a 429 at all", exchange("lookup", 429, TOO_MANY), "status_code_allowed"),
]


@pytest.mark.parametrize(("why", "bad", "rule"), STRICT_BROKEN, ids=[b[0] for b in STRICT_BROKEN])
def test_a_broken_strict_answer_fails_its_rule(why: str, bad: Exchange, rule: str) -> None:
    assert rule in {v.rule for v in run_checks(bad, STRICT)}


@pytest.mark.parametrize(("why", "bad", "rule"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_answer_fails_its_rule(why: str, bad: Exchange, rule: str) -> None:
    assert rule in {v.rule for v in run_checks(bad, CONTRACT)}


GOOD = [
    exchange("lookup", 200, status_body()),
    exchange("lookup", 200, status_body(deliveryStato="ERROR", deliveryStatoDescription="Carrier rejected")),
    exchange("lookup", 200, status_body(updatedAt="2026-01-01T02:00:00.123+02:00", extra="allowed")),
    exchange("lookup", 200, {k: v for k, v in status_body().items() if k not in ("channel", "updatedAt")}),
    exchange("lookup", 404, ERROR),
    exchange("lookup", 414, b"<html>too long</html>", headers=(("Content-Type", "text/html"),)),
    exchange("batch", 200, [status_body()], ids=("m-1", "zz", "m-1")),
    exchange("batch", 200, [], ids=("zz",)),
    exchange("send", 201, {"customerMessageId": "m-1"}),
    exchange("send", 201, {"customerMessageId": "m-1", "channel": "SMS", "simulation": False}),
    exchange(
        "lookup",
        200,
        status_body(),
        retried=(RecordedResponse(500, JSON, json.dumps({**ERROR, "status": 500}).encode(), 0),),
    ),
    exchange("lookup", 200, status_body(), headers=LIMITED, throttled=(throttle(),), rate_limit="1000/min"),
    exchange(
        "lookup", 401, {"status": 401, "error": "Unauthorized", "message": "no key"}, rate_limit="1000/min"
    ),
]

STRICT_GOOD = [
    exchange("lookup", 200, status_body(updatedAt="2026-01-01T00:00:00.123+00:00", extra="allowed")),
    exchange("lookup", 404, STRICT_ERROR),
    exchange("batch", 200, {"statuses": [status_body()], "notFound": ["zz"]}, ids=("m-1", "zz", "m-1")),
    exchange("send", 201, {"customerMessageId": "m-1", "channel": "SMS"}),
]


@pytest.mark.parametrize("good", GOOD)
def test_a_conforming_answer_passes_every_check(good: Exchange) -> None:
    assert run_checks(good, CONTRACT) == []


@pytest.mark.parametrize("good", STRICT_GOOD)
def test_a_conforming_strict_answer_passes_every_check(good: Exchange) -> None:
    assert run_checks(good, STRICT) == []


def test_every_registered_check_is_exercised_by_a_broken_case() -> None:
    rules_hit = {rule for _, _, rule in BROKEN}
    assert {c.rule for c in REGISTRY.values()} <= rules_hit


def test_only_rules_a_check_judged_count_as_exercised() -> None:
    plain = run_checks(exchange("lookup", 200, status_body()), CONTRACT)
    assert "echo_id" in plain.rules and "status_in_enum" in plain.rules
    # No ERROR in the answer, no 429, no limit configured: those rules were not judged.
    assert (
        not {"error_has_reason", "rate_limit_body", "rate_limit_headers", "throttled_below_limit"}
        & plain.rules
    )
    errored = run_checks(
        exchange("lookup", 200, status_body(deliveryStato="ERROR", deliveryStatoDescription="r")), CONTRACT
    )
    assert "error_has_reason" in errored.rules and errored == []
    assert "batch_entries" not in run_checks(exchange("lookup", 404, ERROR), CONTRACT).rules


def test_a_rule_switched_off_is_neither_run_nor_counted() -> None:
    off = CONTRACT.without_rules(["echo_id"], "the gateway echoes ids in upper case")
    found = run_checks(exchange("lookup", 200, status_body(customerMessageId="M-1")), off)
    assert found == [] and "echo_id" not in found.rules
    assert off.rule("echo_id").reason == "the gateway echoes ids in upper case"
    assert CONTRACT.enabled("echo_id")  # the original is untouched
    assert (
        expect_unknown_id(
            exchange("lookup", 200, status_body()), CONTRACT.without_rules(["unknown_id_not_found"], "x")
        )
        == []
    )


def test_a_field_under_its_other_documented_name_says_so_in_one_line() -> None:
    body = status_body()
    body["deliveryStatus"] = body.pop("deliveryStato")
    found = run_checks(exchange("lookup", 200, body), CONTRACT)
    drift = [v.message for v in found if v.rule == "response_schema"]
    assert len(drift) == 1 and "\n" not in drift[0]
    assert "'deliveryStato' expected, 'deliveryStatus' came instead" in drift[0]
    assert "the vendor's docs use both" in drift[0]
    assert "add `deliveryStato: deliveryStatus` under names.renames" in drift[0]
    # status_in_enum does not pile on: the field is missing, response_schema said why.
    assert "status_in_enum" not in {v.rule for v in found}


def test_a_send_answer_must_echo_the_dry_run_flag_right() -> None:
    ok = exchange("send", 201, {"customerMessageId": "m-1", "simulation": True})
    wrong = exchange("send", 201, {"customerMessageId": "m-1", "simulation": False})
    assert expect_send_accepted(ok, CONTRACT, dry_run=True) == []
    assert [v.rule for v in expect_send_accepted(wrong, CONTRACT, dry_run=True)] == ["send_accepted"]
    strict_missing_channel = exchange("send", 201, {"customerMessageId": "m-1"})
    assert [v.rule for v in expect_send_accepted(strict_missing_channel, STRICT)] == ["send_accepted"]


def _sent(ex: Exchange, body: object) -> Exchange:
    """`ex` as the answer to a send that carried `body`."""
    request = RecordedRequest("POST", ex.request.url, ex.request.headers, json.dumps(body).encode())
    return replace(ex, request=request)


def test_a_wrong_dry_run_echo_says_what_the_send_carried() -> None:
    echoed = exchange("send", 201, {"customerMessageId": "m-1", "simulation": True})
    plain = {"destination": "+393400000001", "body": "hi"}
    (no_field,) = expect_send_accepted(_sent(echoed, plain), CONTRACT, dry_run=False)
    assert no_field.message == "simulation is true in the answer to a send with no simulation field"
    (said_false,) = expect_send_accepted(
        _sent(echoed, {**plain, "simulation": False}), CONTRACT, dry_run=False
    )
    assert said_false.message == "simulation is true in the answer to a send with simulation: false"
    # What was sent wins over what the target's configuration meant.
    assert expect_send_accepted(_sent(echoed, {**plain, "simulation": True}), CONTRACT, dry_run=False) == []
    denied = exchange("send", 201, {"customerMessageId": "m-1", "simulation": False})
    (said_true,) = expect_send_accepted(_sent(denied, {**plain, "simulation": True}), CONTRACT, dry_run=True)
    assert said_true.message == "simulation is false in the answer to a send with simulation: true"


def _burst(remaining: list[int], *, throttled_at: int | None) -> list[Exchange]:
    found = []
    for i, left in enumerate(remaining):
        status, body = (
            (429, TOO_MANY) if throttled_at is not None and i >= throttled_at else (200, status_body())
        )
        headers = (*JSON, ("X-RateLimit-Limit", "50"), ("X-RateLimit-Remaining", str(left)))
        found.append(exchange("lookup", status, body, headers=headers, rate_limit="1000/min,50/s"))
    return found


def test_a_burst_must_be_throttled_with_remaining_going_down() -> None:
    limit = RateLimit(per_minute=1000, per_second=50)
    good = burst_findings(CONTRACT, _burst([3, 2, 1, 0, 0], throttled_at=4), limit)
    assert good == [] and {"rate_limit_enforced", "rate_limit_headers"} <= good.rules
    never = burst_findings(CONTRACT, _burst([3, 2, 1, 0, 0], throttled_at=None), limit)
    assert [v.rule for v in never] == ["rate_limit_enforced"]
    stuck = burst_findings(CONTRACT, _burst([9, 9, 9, 9], throttled_at=3), limit)
    assert [v.rule for v in stuck] == ["rate_limit_headers"]
    assert recovery_findings(CONTRACT, exchange("lookup", 404, ERROR), 1.0) == []
    assert [v.rule for v in recovery_findings(CONTRACT, exchange("lookup", 429, TOO_MANY), 1.0)] == [
        "rate_limit_enforced"
    ]


@pytest.mark.parametrize("contract", [CONTRACT, STRICT], ids=["vendor", "strict"])
def test_every_check_reports_under_a_rule_of_each_dialect(contract: Contract) -> None:
    assert {c.rule for c in REGISTRY.values()} <= set(contract.rules)


def test_an_unknown_id_answered_200_unknown_fails() -> None:
    found = expect_unknown_id(exchange("lookup", 200, status_body(deliveryStato="UNKNOWN")), CONTRACT)
    assert [v.rule for v in found] == ["unknown_id_not_found"]
    assert "UNKNOWN" in found[0].message


def _seen(
    tracker: LifecycleTracker,
    status: str,
    updated: str = "2026-01-01T00:00:00Z",
    operation: Operation = "lookup",
) -> list[str]:
    if operation == "batch":
        ex = exchange("batch", 200, [status_body(deliveryStato=status, updatedAt=updated)], ids=("m-1",))
    else:
        ex = exchange(
            "lookup",
            200,
            status_body(
                deliveryStato=status,
                updatedAt=updated,
                deliveryStatoDescription="r" if status == "ERROR" else None,
            ),
        )
    return [v.rule for v in tracker.observe(ex)]


def test_the_tracker_accepts_a_skipped_step_and_fails_a_regression() -> None:
    tracker = LifecycleTracker(CONTRACT)
    assert _seen(tracker, "SENT") == []
    assert _seen(tracker, "DELIVERED", "2026-01-01T00:00:01Z") == []
    assert _seen(tracker, "RECEIVED", "2026-01-01T00:00:02Z") == ["final_status_stable"]


def test_the_tracker_fails_a_disallowed_move_and_time_going_back() -> None:
    tracker = LifecycleTracker(CONTRACT)
    assert _seen(tracker, "RECEIVED", "2026-01-01T00:00:05Z") == []
    assert _seen(tracker, "SENT", "2026-01-01T00:00:06Z") == ["lifecycle_transition"]
    assert _seen(tracker, "RECEIVED", "2026-01-01T00:00:01Z") == ["updated_at_monotonic"]


def test_a_batch_older_than_the_single_lookup_is_a_batch_disagreement() -> None:
    tracker = LifecycleTracker(CONTRACT)
    assert _seen(tracker, "DELIVERED") == []
    assert _seen(tracker, "SENT", operation="batch") == ["batch_agrees_with_single"]


def test_the_tracker_is_bounded() -> None:
    tracker = LifecycleTracker(CONTRACT, max_messages=2)
    for i in range(5):
        tracker.observe(exchange("lookup", 200, status_body(customerMessageId=f"m-{i}"), message_id=f"m-{i}"))
    assert tracker.last("m-0", "SMS") is None and tracker.last("m-4", "SMS") == "SENT"


def test_batch_context_checks() -> None:
    ex = exchange("batch", 200, [status_body(deliveryStato="SENT")], ids=("m-1", "m-2"))
    assert [v.rule for v in batch_agrees_with_singles(ex, CONTRACT, {"m-1": "DELIVERED"})] == [
        "batch_agrees_with_single"
    ]
    assert batch_agrees_with_singles(ex, CONTRACT, {"m-1": "SENT"}) == []
    # An id a single lookup found but the batch left out breaks the batch's completeness.
    assert [v.rule for v in batch_agrees_with_singles(ex, CONTRACT, {"m-2": "SENT"})] == ["batch_entries"]
    assert [v.rule for v in batch_excludes(ex, CONTRACT, {"m-1"}, "other company")] == ["batch_scoped"]


def test_the_tracker_counts_only_what_it_judged() -> None:
    tracker = LifecycleTracker(CONTRACT)
    first = tracker.observe(exchange("lookup", 200, status_body()))
    assert first.rules == {"lifecycle_initial"}
    second = tracker.observe(exchange("lookup", 200, status_body(deliveryStato="DELIVERED")))
    assert second.rules == {"lifecycle_transition", "updated_at_monotonic"}
    third = tracker.observe(exchange("lookup", 200, status_body(deliveryStato="DELIVERED")))
    assert "final_status_stable" in third.rules
