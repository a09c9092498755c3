"""Redaction: a key goes wherever it stands as a whole word, in any form a server could echo.

The boundary: a key is redacted where it is not preceded or followed by a letter, digit,
`_` or `-`, except that the end of an escape (`%20`, `\\n`, `\\u0022`) before it counts
as a boundary. Parts of other words are never touched.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest

from gatewatch.core.client import GatewayClient
from gatewatch.core.exchange import RecordedResponse
from gatewatch.core.secrets import Secret, redact, redact_bytes
from tests.stubs import Scripted, StubServer


def test_a_short_key_never_mangles_other_words() -> None:
    text = "Max retries exceeded with url: /x (Caused by x-y_x and xx)"
    assert redact(text, [Secret("x")]) == "Max retries exceeded with url: /*** (Caused by x-y_x and xx)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"X-Api-Key": "abc123"', '"X-Api-Key": "***"'),
        ("GET /status?key=abc123&channel=SMS", "GET /status?key=***&channel=SMS"),
        ("X-Api-Key: abc123\n", "X-Api-Key: ***\n"),
        ("abc123", "***"),
        ("(abc123)", "(***)"),
        # Escapes before the key do not shield it: percent, JSON \n and \u.
        ("Basic%20abc123", "Basic%20***"),
        ('"line\\nabc123"', '"line\\n***"'),
        ('"\\u0022abc123\\u0022"', '"\\u0022***\\u0022"'),
        # Longer words that contain the key are not the key.
        ("abc1234 xabc123 abc123_x abc123-2 my-abc123", "abc1234 xabc123 abc123_x abc123-2 my-abc123"),
    ],
)
def test_the_key_goes_where_it_is_a_whole_word(text: str, expected: str) -> None:
    assert redact(text, [Secret("abc123")]) == expected


def test_every_form_a_server_could_echo_is_redacted() -> None:
    key = 'user:pa"ss/+é'
    secret = Secret(key)
    echoed = [
        key,
        quote(key, safe=""),
        quote(key, safe="").lower(),  # the hex digits in lower case
        json.dumps(key)[1:-1],
        json.dumps(key, ensure_ascii=False)[1:-1],
        base64.b64encode(key.encode()).decode(),
    ]
    for form in echoed:
        assert redact(f"echo: {form} .", [secret]) == "echo: *** .", form


def test_the_basic_credential_of_a_key_without_a_colon_is_redacted() -> None:
    basic = base64.b64encode(b"abc123:").decode()  # the key alone is the user
    assert redact(f"Authorization: Basic {basic}", [Secret("abc123")]) == "Authorization: Basic ***"


def test_redact_bytes_keeps_every_other_byte() -> None:
    body = b"\xff\xfe binary " + "clé-9f".encode() + b" \x00 " + json.dumps({"k": "clé-9f"}).encode()
    assert redact_bytes(body, [Secret("clé-9f")]) == b'\xff\xfe binary *** \x00 {"k": "***"}'
    assert redact_bytes(body, [None]) == body


def test_an_echoed_key_is_redacted_from_the_recorded_answer(stub: StubServer) -> None:
    key = Secret("echo-sentinel-1f")
    stub.script = [
        Scripted(
            200,
            {"echo": {"X-Api-Key": key.reveal()}, "percent": quote(key.reveal())},
            headers={"Content-Type": "application/json", "X-Echo-Api-Key": key.reveal()},
        )
    ]
    with GatewayClient(stub.base_url, key) as client:
        exchange = client.lookup("m-1", "SMS")
    recorded = exchange.describe() + json.dumps(exchange.to_dict()) + repr(exchange)
    assert key.reveal() not in recorded
    assert exchange.response.header("X-Echo-Api-Key") == "***"
    assert exchange.response.json()["echo"] == {"X-Api-Key": "***"}


def test_capture_redacts_answers_recorded_outside_the_client() -> None:
    # The load test's users record Locust's answers the same way.
    answer = RecordedResponse.capture(
        200, [("X-Echo", "k-77 k-777")], b'{"k": "k-77"}', 0.01, [Secret("k-77")]
    )
    assert answer.headers == (("X-Echo", "*** k-777"),)
    assert answer.body == b'{"k": "***"}'
