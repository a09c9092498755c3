"""Hypothesis fuzzing of every input (ids, channels, bodies, headers, batches), both dialects: no 5xx, ever.

Examples are few and derandomized so the file is quick and repeatable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatewatch.contract import Contract, resolve_contract
from gatewatch.simulator import Simulator

from .client import Api, error_problems, raw_request
from .conftest import DIALECTS

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
# The channels are the same in every dialect.
CHANNELS = st.sampled_from(resolve_contract(DIALECTS[0]).channels)
# Header values an HTTP client can send at all (printable Latin-1, no leading space).
HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0xFF, exclude_categories=("Cc",)),
    max_size=60,
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)

Fuzzed = tuple[Simulator, Api, list[tuple[str, str]]]


@pytest.fixture(scope="module", params=DIALECTS)
def fuzzed(request: pytest.FixtureRequest) -> Iterator[Fuzzed]:
    """A simulator of its own per dialect, with a few real messages on every channel."""
    contract = resolve_contract(request.param)
    with Simulator(contract=contract) as sim:
        api = Api(sim)
        sent = [(api.sent(channel), channel) for channel in contract.channels for _ in range(2)]
        yield sim, api, sent
        api.close()


def assert_answer(contract: Contract, status: int, content_type: str | None, body: bytes) -> None:
    assert status < 500, body
    assert content_type == contract.json_content_type
    if status >= 400:
        assert error_problems(contract, status, json.loads(body)) == []


@FUZZ
@given(message_id=st.text(min_size=1, max_size=300), channel=CHANNELS)
def test_any_id(fuzzed: Fuzzed, message_id: str, channel: str) -> None:
    _, api, _ = fuzzed
    answer = api.lookup(message_id, channel)
    assert answer.status_code in (400, 404)
    assert_answer(api.contract, answer.status_code, answer.headers.get("content-type"), answer.content)


@FUZZ
@given(raw=st.binary(min_size=1, max_size=200))
def test_any_raw_id_bytes(fuzzed: Fuzzed, raw: bytes) -> None:
    sim, api, _ = fuzzed
    escaped = "".join(f"%{byte:02X}" for byte in raw)
    path = f"{sim.config.base_path}{api.lookup_path(escaped)}?{api.channel_query()}"
    status, content_type, body = raw_request(sim.url, "GET", path, api.auth("key-a"))
    assert status in (400, 404)
    assert_answer(api.contract, status, content_type, body)


@FUZZ
@given(channel=st.text(max_size=30), pick=st.integers(min_value=0, max_value=5))
def test_any_channel(fuzzed: Fuzzed, channel: str, pick: int) -> None:
    _, api, sent = fuzzed
    message_id, sent_on = sent[pick]
    answer = api.lookup(message_id, channel)
    expected = 200 if channel == sent_on else 404 if channel in api.contract.channels else 400
    assert answer.status_code == expected
    assert_answer(api.contract, answer.status_code, answer.headers.get("content-type"), answer.content)


def send_bodies(contract: Contract) -> st.SearchStrategy[object]:
    send = contract.send
    optional: dict[str, st.SearchStrategy[object]] = {"extra": JSON}
    if send.dry_run is not None:
        optional[send.dry_run] = st.one_of(st.booleans(), JSON)
    if send.sender is not None:
        optional[send.sender] = st.one_of(st.text(max_size=13), JSON)
    return st.one_of(
        JSON,
        st.fixed_dictionaries(
            {
                send.destination: st.one_of(
                    st.from_regex(r"\A\+[0-9]{6,17}\n?\Z"), st.from_regex(r"\A\+[0-9]{8,15}\Z"), JSON
                ),
                send.text: st.text(max_size=1100),
            },
            optional=optional,
        ),
    )


@FUZZ
@given(data=st.data(), channel=CHANNELS)
def test_any_send_body(fuzzed: Fuzzed, data: st.DataObject, channel: str) -> None:
    _, api, _ = fuzzed
    body = data.draw(send_bodies(api.contract))
    answer = api.request(
        "POST", api.url(api.contract.send_paths[channel]), data=json.dumps(body), headers=api.auth("key-a")
    )
    valid = not api.contract.schema_errors(api.contract.schema_file("send_request"), body)
    assert answer.status_code == (api.created if valid else 400)
    assert_answer(api.contract, answer.status_code, answer.headers.get("content-type"), answer.content)


@FUZZ
@given(raw=st.binary(max_size=300), channel=CHANNELS)
def test_any_send_bytes(fuzzed: Fuzzed, raw: bytes, channel: str) -> None:
    _, api, _ = fuzzed
    answer = api.request(
        "POST", api.url(api.contract.send_paths[channel]), data=raw, headers=api.auth("key-a")
    )
    assert answer.status_code in (api.created, 400)
    assert_answer(api.contract, answer.status_code, answer.headers.get("content-type"), answer.content)


@FUZZ
@given(
    value=st.one_of(HEADER_TEXT, st.builds(lambda k: f"Bearer {k}", HEADER_TEXT)),
    basic=st.one_of(st.none(), HEADER_TEXT, st.builds(lambda k: f"Basic {k}", HEADER_TEXT)),
    extra=st.dictionaries(st.from_regex(r"\AX-[A-Za-z0-9-]{1,20}\Z"), HEADER_TEXT, max_size=3),
)
def test_any_headers(fuzzed: Fuzzed, value: str, basic: str | None, extra: dict[str, str]) -> None:
    sim, api, sent = fuzzed
    message_id, channel = sent[0]
    auth = api.contract.auth
    headers = {**extra, auth.header: value}
    if basic is not None and auth.header != "Authorization":
        headers["Authorization"] = basic
    target = api.lookup_url(message_id).removeprefix(sim.url) + f"?{api.contract.channel_param}={channel}"
    status, content_type, body = raw_request(sim.url, "GET", target, headers)
    assert_answer(api.contract, status, content_type, body)
    if value == auth.value("key-a"):
        assert status == 200
    elif "key-a" not in value and "key-b" not in value and basic is None:
        assert status == 401
    else:
        assert status in (200, 401, 404)


@FUZZ
@given(
    ids=st.lists(st.text(min_size=0, max_size=20), min_size=0, max_size=110),
    channel=st.one_of(CHANNELS, st.text(max_size=10)),
    include_known=st.booleans(),
)
def test_any_batch(fuzzed: Fuzzed, ids: list[str], channel: str, include_known: bool) -> None:
    _, api, sent = fuzzed
    contract = api.contract
    if include_known:
        ids = [*ids, sent[0][0]]
    answer = api.batch(ids, channel)
    assert_answer(contract, answer.status_code, answer.headers.get("content-type"), answer.content)
    parts = contract.batch.separator.join(ids).split(contract.batch.separator)
    too_many = (
        len(parts) > contract.batch.max_ids and contract.codes.ok not in contract.batch.over_limit_codes
    )
    valid = channel in contract.channels and bool(ids) and "" not in parts and not too_many
    assert answer.status_code == (200 if valid else 400)
    if valid:
        body = answer.json()
        found = api.found_ids(body)
        assert len(found) == len(set(found))
        known = {message_id for message_id, on in sent if on == channel}
        assert set(found) == set(parts) & known
        if not contract.batch.array:
            assert sorted(found + api.not_found(body)) == sorted(set(parts))
