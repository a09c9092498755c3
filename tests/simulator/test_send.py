"""Send: every channel, body validation (400), size limit (413), the success answer."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from .client import DEFAULT_NUMBER, Api


def test_every_channel_accepts_a_valid_send(api: Api) -> None:
    for channel in api.contract.channels:
        answer = api.send(channel)
        assert answer.status_code == 201
        assert answer.headers["content-type"] == "application/json"
        body = answer.json()
        assert api.contract.schema_errors("send-response.json", body) == []
        assert body["channel"] == channel
        assert 1 <= len(body["customerMessageId"]) <= 128


def test_ids_are_unique(api: Api) -> None:
    channel = api.contract.channels[0]
    ids = {api.sent(channel) for _ in range(50)}
    assert len(ids) == 50


def test_extra_fields_are_ignored(api: Api) -> None:
    body = {"to": DEFAULT_NUMBER, "text": "hi", "priority": "high", "meta": {"a": [1, 2]}}
    assert api.send(api.contract.channels[0], body=body).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"to": DEFAULT_NUMBER},
        {"text": "hi"},
        {"to": "391234567890", "text": "hi"},
        {"to": "+1234567", "text": "hi"},
        {"to": "+1234567890123456", "text": "hi"},
        {"to": "+39 123 456 7890", "text": "hi"},
        {"to": 391234567890, "text": "hi"},
        {"to": DEFAULT_NUMBER, "text": ""},
        {"to": DEFAULT_NUMBER, "text": "x" * 1001},
        {"to": DEFAULT_NUMBER, "text": None},
        [DEFAULT_NUMBER, "hi"],
        "hello",
        None,
    ],
    ids=repr,
)
def test_invalid_bodies_are_400(api: Api, body: object) -> None:
    answer = api.request(
        "POST",
        api.url(api.contract.send_paths[api.contract.channels[0]]),
        data=json.dumps(body),
        headers=api.auth("key-a"),
    )
    assert answer.status_code == 400
    assert api.contract.schema_errors("error-body.json", answer.json()) == []


def test_text_length_counts_code_points(api: Api) -> None:
    # 1000 characters outside ASCII are 1000 code points, though many more UTF-8 bytes.
    assert api.send(api.contract.channels[0], text="é" * 1000).status_code == 201
    assert api.send(api.contract.channels[0], text="😀" * 1000).status_code == 201
    assert api.send(api.contract.channels[0], text="😀" * 1001).status_code == 400


@pytest.mark.parametrize("raw", [b"{", b"not json", b"\xff\xfe", b"[" * 100_00, b"1" * 5000, b""])
def test_unparseable_bodies_are_400(api: Api, raw: bytes) -> None:
    answer = api.request(
        "POST",
        api.url(api.contract.send_paths[api.contract.channels[0]]),
        data=raw,
        headers=api.auth("key-a"),
    )
    assert answer.status_code == 400
    assert api.contract.schema_errors("error-body.json", answer.json()) == []


def _padded_body(size: int) -> bytes:
    """A valid send body of exactly `size` bytes (padding in an ignored extra field)."""
    skeleton = json.dumps({"to": DEFAULT_NUMBER, "text": "hi", "pad": ""}).encode()
    body = json.dumps({"to": DEFAULT_NUMBER, "text": "hi", "pad": "x" * (size - len(skeleton))})
    assert len(body.encode()) == size
    return body.encode()


def test_body_at_the_limit_is_accepted(api: Api) -> None:
    limit = api.contract.send_body_max_bytes
    answer = api.request(
        "POST",
        api.url(api.contract.send_paths[api.contract.channels[0]]),
        data=_padded_body(limit),
        headers=api.auth("key-a"),
    )
    assert answer.status_code == 201


def test_body_over_the_limit_is_413(api: Api) -> None:
    limit = api.contract.send_body_max_bytes
    answer = api.request(
        "POST",
        api.url(api.contract.send_paths[api.contract.channels[0]]),
        data=_padded_body(limit + 1),
        headers=api.auth("key-a"),
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/json"
    assert api.contract.schema_errors("error-body.json", answer.json()) == []


def test_chunked_body_over_the_limit_is_413(api: Api) -> None:
    # No Content-Length: the simulator must count what it reads and stop at the limit.
    limit = api.contract.send_body_max_bytes
    chunk = b"x" * 8192

    def chunks() -> Iterator[bytes]:
        for _ in range(limit // len(chunk) + 4):
            yield chunk

    answer = api.request(
        "POST",
        api.url(api.contract.send_paths[api.contract.channels[0]]),
        data=chunks(),
        headers=api.auth("key-a"),
    )
    assert answer.status_code == 413


def test_chunked_valid_body_is_accepted(api: Api) -> None:
    body = json.dumps({"to": DEFAULT_NUMBER, "text": "hi"}).encode()
    answer = api.request(
        "POST",
        api.url(api.contract.send_paths[api.contract.channels[0]]),
        data=iter([body[:5], body[5:]]),
        headers=api.auth("key-a"),
    )
    assert answer.status_code == 201
