"""Every registered check fails on an answer that breaks its rule and passes a conforming one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gatewatch.checks import (
    REGISTRY,
    LifecycleTracker,
    batch_agrees_with_singles,
    batch_excludes,
    expect_unknown_id,
    run_checks,
)
from gatewatch.contract import default_contract
from gatewatch.exchange import Exchange, Operation, RecordedRequest, RecordedResponse

CONTRACT = default_contract()
JSON = (("Content-Type", "application/json"),)


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
) -> Exchange:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange(
        operation,
        RecordedRequest("GET", "http://127.0.0.1/api/x", (("Authorization", "Bearer ***"),)),
        RecordedResponse(status, headers, raw, 0.001),
        retried=retried,
        message_id=message_id,
        channel=channel,
        ids=ids,
    )


ERROR = {"code": "NOT_FOUND", "message": "no such message"}

# (description, exchange, the rule that must fail)
BROKEN = [
    ("a 302 on a lookup", exchange("lookup", 302, ERROR), "status_code_allowed"),
    (
        "a 500 after every retry",
        exchange("lookup", 500, {"code": "INTERNAL", "message": "x"}),
        "server_error_retried",
    ),
    (
        "text/plain 200",
        exchange("lookup", 200, status_body(), headers=(("Content-Type", "text/plain"),)),
        "content_type_json",
    ),
    (
        "a missing field",
        exchange("lookup", 200, {k: v for k, v in status_body().items() if k != "updatedAt"}),
        "response_schema",
    ),
    ("a 200 that is not JSON", exchange("lookup", 200, b"{oops"), "response_schema"),
    ("an error body without code", exchange("lookup", 404, {"message": "x"}), "error_body"),
    ("a camelCase error code", exchange("lookup", 404, {"code": "notFound", "message": "x"}), "error_body"),
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
        "updated_at_utc",
    ),
    (
        "a +02:00 updatedAt",
        exchange("lookup", 200, status_body(updatedAt="2026-01-01T02:00:00+02:00")),
        "updated_at_utc",
    ),
    (
        "an id in both lists",
        exchange("batch", 200, {"statuses": [status_body()], "notFound": ["m-1"]}, ids=("m-1",)),
        "batch_partition",
    ),
    (
        "an id dropped",
        exchange("batch", 200, {"statuses": [], "notFound": []}, ids=("m-1", "zz")),
        "batch_partition",
    ),
    ("a send without id", exchange("send", 201, {"channel": "SMS"}), "response_schema"),
    (
        "a retried 500 without the error body",
        exchange("lookup", 200, status_body(), retried=(RecordedResponse(500, JSON, b"oops", 0),)),
        "error_body",
    ),
]


@pytest.mark.parametrize(("why", "bad", "rule"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_answer_fails_its_rule(why: str, bad: Exchange, rule: str) -> None:
    assert rule in {v.rule for v in run_checks(bad, CONTRACT)}


GOOD = [
    exchange("lookup", 200, status_body()),
    exchange("lookup", 200, status_body(deliveryStato="ERROR", deliveryStatoDescription="Carrier rejected")),
    exchange("lookup", 200, status_body(updatedAt="2026-01-01T00:00:00.123+00:00", extra="allowed")),
    exchange("lookup", 404, ERROR),
    exchange("lookup", 414, b"<html>too long</html>", headers=(("Content-Type", "text/html"),)),
    exchange("batch", 200, {"statuses": [status_body()], "notFound": ["zz"]}, ids=("m-1", "zz", "m-1")),
    exchange("send", 201, {"customerMessageId": "m-1", "channel": "SMS"}),
    exchange(
        "lookup", 200, status_body(), retried=(RecordedResponse(500, JSON, json.dumps(ERROR).encode(), 0),)
    ),
]


@pytest.mark.parametrize("good", GOOD)
def test_a_conforming_answer_passes_every_check(good: Exchange) -> None:
    assert run_checks(good, CONTRACT) == []


def test_every_registered_check_is_exercised_by_a_broken_case() -> None:
    rules_hit = {rule for _, _, rule in BROKEN}
    assert {c.rule for c in REGISTRY.values()} <= rules_hit


def test_every_check_reports_under_a_rule_of_the_contract() -> None:
    assert {c.rule for c in REGISTRY.values()} <= set(CONTRACT.rules)


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
        ex = exchange(
            "batch",
            200,
            {"statuses": [status_body(deliveryStato=status, updatedAt=updated)], "notFound": []},
            ids=("m-1",),
        )
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
    ex = exchange(
        "batch", 200, {"statuses": [status_body(deliveryStato="SENT")], "notFound": []}, ids=("m-1",)
    )
    assert [v.rule for v in batch_agrees_with_singles(ex, CONTRACT, {"m-1": "DELIVERED"})] == [
        "batch_agrees_with_single"
    ]
    assert batch_agrees_with_singles(ex, CONTRACT, {"m-1": "SENT"}) == []
    assert [v.rule for v in batch_excludes(ex, CONTRACT, {"m-1"}, "other company")] == ["batch_scoped"]
