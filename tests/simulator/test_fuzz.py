"""Hypothesis fuzzing of every input (ids, channels, bodies, headers, batches): no 5xx, ever.

Examples are few and derandomized so the file is quick and repeatable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatewatch.contract import default_contract
from gatewatch.simulator import Simulator

from .client import Api, raw_request

FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
CONTRACT = default_contract()
CHANNELS = st.sampled_from(CONTRACT.channels)
# Header values an HTTP client can send at all (printable Latin-1, no leading space).
HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0xFF, exclude_categories=("Cc",)),
    max_size=60,
)


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[tuple[Simulator, Api, list[tuple[str, str]]]]:
    """A simulator of its own, with a few real messages on every channel."""
    with Simulator() as sim:
        api = Api(sim)
        sent = [(api.sent(channel), channel) for channel in CONTRACT.channels for _ in range(2)]
        yield sim, api, sent
        api.close()


def assert_answer(api: Api, status: int, content_type: str | None, body: bytes) -> None:
    assert status < 500, body
    assert content_type == "application/json"
    if status >= 400:
        assert CONTRACT.schema_errors("error-body.json", json.loads(body)) == []


@FUZZ
@given(message_id=st.text(min_size=1, max_size=300), channel=CHANNELS)
def test_any_id(fuzzed, message_id: str, channel: str) -> None:
    _, api, _ = fuzzed
    answer = api.lookup(message_id, channel)
    assert answer.status_code in (400, 404)
    assert_answer(api, answer.status_code, answer.headers.get("content-type"), answer.content)


@FUZZ
@given(raw=st.binary(min_size=1, max_size=200))
def test_any_raw_id_bytes(fuzzed, raw: bytes) -> None:
    sim, api, _ = fuzzed
    prefix, _, suffix = CONTRACT.lookup_path.partition("{customerMessageId}")
    escaped = "".join(f"%{byte:02X}" for byte in raw)
    path = f"{sim.config.base_path}{prefix}{escaped}{suffix}?channel={CONTRACT.channels[0]}"
    status, content_type, body = raw_request(sim.url, "GET", path, api.auth("key-a"))
    assert status in (400, 404)
    assert_answer(api, status, content_type, body)


@FUZZ
@given(channel=st.text(max_size=30), pick=st.integers(min_value=0, max_value=5))
def test_any_channel(fuzzed, channel: str, pick: int) -> None:
    _, api, sent = fuzzed
    message_id, sent_on = sent[pick]
    answer = api.lookup(message_id, channel)
    expected = 200 if channel == sent_on else 404 if channel in CONTRACT.channels else 400
    assert answer.status_code == expected
    assert_answer(api, answer.status_code, answer.headers.get("content-type"), answer.content)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)
SEND_BODIES = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {"to": st.one_of(st.from_regex(r"\A\+[0-9]{6,17}\Z"), JSON), "text": st.text(max_size=1100)},
        optional={"extra": JSON},
    ),
)


@FUZZ
@given(body=SEND_BODIES, channel=CHANNELS)
def test_any_send_body(fuzzed, body: object, channel: str) -> None:
    _, api, _ = fuzzed
    answer = api.request(
        "POST",
        api.url(CONTRACT.send_paths[channel]),
        data=json.dumps(body),
        headers=api.auth("key-a"),
    )
    valid = not CONTRACT.schema_errors("send-request.json", body)
    assert answer.status_code == (201 if valid else 400)
    assert_answer(api, answer.status_code, answer.headers.get("content-type"), answer.content)


@FUZZ
@given(raw=st.binary(max_size=300), channel=CHANNELS)
def test_any_send_bytes(fuzzed, raw: bytes, channel: str) -> None:
    _, api, _ = fuzzed
    answer = api.request("POST", api.url(CONTRACT.send_paths[channel]), data=raw, headers=api.auth("key-a"))
    assert answer.status_code in (201, 400)
    assert_answer(api, answer.status_code, answer.headers.get("content-type"), answer.content)


@FUZZ
@given(
    authorization=st.one_of(HEADER_TEXT, st.builds(lambda k: f"Bearer {k}", HEADER_TEXT)),
    extra=st.dictionaries(st.from_regex(r"\AX-[A-Za-z0-9-]{1,20}\Z"), HEADER_TEXT, max_size=3),
)
def test_any_headers(fuzzed, authorization: str, extra: dict[str, str]) -> None:
    sim, api, sent = fuzzed
    message_id, channel = sent[0]
    headers = {**extra, CONTRACT.auth_header: authorization}
    target = api.lookup_url(message_id).removeprefix(sim.url) + f"?channel={channel}"
    status, content_type, body = raw_request(sim.url, "GET", target, headers)
    assert_answer(api, status, content_type, body)
    if authorization == "Bearer key-a":
        assert status == 200
    elif "key-a" not in authorization and "key-b" not in authorization:
        assert status == 401
    else:
        assert status in (200, 401, 404)


@FUZZ
@given(
    ids=st.lists(st.text(min_size=0, max_size=20), min_size=0, max_size=CONTRACT.batch_max_ids + 5),
    channel=st.one_of(CHANNELS, st.text(max_size=10)),
    include_known=st.booleans(),
)
def test_any_batch(fuzzed, ids: list[str], channel: str, include_known: bool) -> None:
    _, api, sent = fuzzed
    if include_known:
        ids = [*ids, sent[0][0]]
    answer = api.batch(ids, channel)
    assert_answer(api, answer.status_code, answer.headers.get("content-type"), answer.content)
    parts = CONTRACT.batch_separator.join(ids).split(CONTRACT.batch_separator)
    valid = channel in CONTRACT.channels and ids and "" not in parts and len(parts) <= CONTRACT.batch_max_ids
    assert answer.status_code == (200 if valid else 400)
    if valid:
        body = answer.json()
        listed = [e["customerMessageId"] for e in body["statuses"]] + body["notFound"]
        assert sorted(listed) == sorted(set(parts))
