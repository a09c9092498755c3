"""What an Exchange keeps of a long answer: 64 KiB of the body, its size, and the whole parse."""

from __future__ import annotations

import json

from gatewatch.checks import Violation
from gatewatch.core.bounds import BODY_KEPT_BYTES, HEADER_KEPT_CHARS, TEXT_SHOWN_CHARS, clip
from gatewatch.core.client import GatewayClient
from gatewatch.core.exchange import Exchange, RecordedRequest, RecordedResponse
from tests.stubs import Scripted, StubServer

BIG = 2 * 1024 * 1024


def _big_answer() -> RecordedResponse:
    body = json.dumps({"deliveryStato": "DELIVERED", "padding": "x" * BIG}).encode()
    return RecordedResponse.capture(200, [("Content-Type", "application/json")], body, 0.01, [])


def test_a_long_body_is_kept_cut_with_its_size_and_judged_whole() -> None:
    answer = _big_answer()
    assert len(answer.body) == BODY_KEPT_BYTES and answer.cut
    assert answer.size is not None and answer.size > BIG
    # The checks read the whole parse, not the cut bytes.
    assert len(answer.json()["padding"]) == BIG
    assert answer.json_or_none()["deliveryStato"] == "DELIVERED"
    text = answer.text()
    assert len(text) < TEXT_SHOWN_CHARS + 200 and f"({answer.size:,} bytes, first 65,536 kept)" in text


def test_a_long_body_that_is_not_json_stays_not_json() -> None:
    answer = RecordedResponse.capture(200, [], b"<html>" + b"a" * BIG, 0.01, [])
    assert answer.json_or_none() is None
    deep = RecordedResponse.capture(200, [], b"[" * BIG, 0.01, [])  # too deep for the parser
    assert deep.json_or_none() is None


def test_a_short_body_is_kept_whole() -> None:
    answer = RecordedResponse.capture(200, [], b'{"a": 1}', 0.01, [])
    assert answer.body == b'{"a": 1}' and answer.size is None and not answer.cut
    assert answer.json() == {"a": 1}


def test_reports_built_from_a_long_exchange_are_bounded() -> None:
    request = RecordedRequest.capture("POST", "http://h/api/x", [("X-Api-Key", "***")], b"y" * BIG, [])
    exchange = Exchange("send", request, _big_answer())
    assert request.size == BIG and len(request.body or b"") == BODY_KEPT_BYTES
    attachment = json.dumps(exchange.to_dict())
    assert len(attachment) < 3 * BODY_KEPT_BYTES
    assert "first 65,536 kept" in attachment
    assert len(exchange.describe()) < 4 * TEXT_SHOWN_CHARS + 1000
    curl = request.curl()
    assert len(curl) < TEXT_SHOWN_CHARS + 500 and curl.endswith(
        f"# body cut: {BIG:,} bytes, first 2,000 shown"
    )


def test_long_header_values_are_cut() -> None:
    answer = RecordedResponse.capture(200, [("X-Long", "v" * BIG)], b"", 0.01, [])
    assert len(answer.headers[0][1]) < HEADER_KEPT_CHARS + 100


def test_a_violation_message_quoting_a_long_answer_is_bounded() -> None:
    violation = Violation("rule", "pinned", "the description is " + "d" * BIG)
    assert violation.message == clip("the description is " + "d" * BIG)
    assert len(violation.describe()) < TEXT_SHOWN_CHARS + 100


def test_the_client_records_a_long_answer_cut(stub: StubServer) -> None:
    stub.script = [Scripted(200, {"padding": "p" * BIG})]
    with GatewayClient(stub.base_url, None) as client:
        exchange = client.lookup("m-1", "SMS")
    assert exchange.response.cut and len(exchange.response.json()["padding"]) == BIG
