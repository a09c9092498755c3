"""Send: every channel, body validation (400, ECMA-262 patterns), size limit (413), the answer, dry runs."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from gatewatch.contract import resolve_contract

from .client import DEFAULT_NUMBER, KEY_A, Api
from .conftest import DIALECTS


def post(api: Api, data: object, channel: str | None = None) -> object:
    return api.request(
        "POST",
        api.url(api.contract.send_paths[channel or api.contract.channels[0]]),
        data=data,
        headers=api.auth(KEY_A),
    )


def test_every_channel_accepts_a_valid_send(api: Api) -> None:
    send = api.contract.send
    for channel in api.contract.channels:
        answer = api.send(channel)
        assert answer.status_code == api.created == 201
        assert answer.headers["content-type"] == api.contract.json_content_type
        body = answer.json()
        assert api.contract.schema_errors(api.contract.schema_file("send_response"), body) == []
        assert body[send.channel] == channel
        assert 1 <= len(body[send.id]) <= 128
        if send.dry_run_answer is not None:
            assert send.dry_run_answer not in body  # only echoed when a dry run was asked for


def test_ids_are_unique(api: Api) -> None:
    channel = api.contract.channels[0]
    ids = {api.sent(channel) for _ in range(50)}
    assert len(ids) == 50


def test_extra_fields_are_ignored(api: Api) -> None:
    body = api.send_body(priority="high", meta={"a": [1, 2]})
    assert api.send(api.contract.channels[0], body=body).status_code == api.created


def test_the_other_dialects_field_names_are_not_read(api: Api) -> None:
    # The vendor's {destination, body} and the strict {to, text}: only the contract's count.
    (other,) = (resolve_contract(d) for d in DIALECTS if d != api.contract.dialect)
    assert other.send.destination != api.contract.send.destination
    body = {other.send.destination: DEFAULT_NUMBER, other.send.text: "hi"}
    api.assert_error(api.send(api.contract.channels[0], body=body), api.contract.codes.bad_request)


def invalid_bodies(api: Api) -> list[object]:
    body = api.send_body
    return [
        {},
        {api.contract.send.destination: DEFAULT_NUMBER},
        {api.contract.send.text: "hi"},
        body("391234567890"),
        body("+1234567"),
        body("+1234567890123456"),
        body("+39 123 456 7890"),
        body(391234567890),
        # ECMA-262 `$` is the end of the string: a trailing newline does not match.
        body(DEFAULT_NUMBER + "\n"),
        body("+393330000001\n"),
        body("\n" + DEFAULT_NUMBER),
        # ECMA-262 [0-9] (and \d) are ASCII digits only.
        body("+٣٩١٢٣٤٥٦٧٨٩٠"),
        body(text=""),
        body(text="x" * 1001),
        body(text=None),
        [DEFAULT_NUMBER, "hi"],
        "hello",
        None,
    ]


def test_invalid_bodies_are_400(api: Api) -> None:
    for body in invalid_bodies(api):
        answer = post(api, json.dumps(body))
        api.assert_error(answer, api.contract.codes.bad_request)


def test_optional_fields_are_validated_where_the_dialect_has_them(api: Api) -> None:
    send = api.contract.send
    channel = api.contract.channels[0]
    if send.sender is None or send.dry_run is None:
        # Fields the dialect does not have are extra fields: ignored, the send accepted.
        extra = {"sender": "", "simulation": "yes"}
        assert api.send(channel, body=api.send_body(**extra)).status_code == api.created
        return
    assert api.send(channel, body=api.send_body(**{send.sender: "ACME"})).status_code == api.created
    for bad in ({send.sender: ""}, {send.sender: "x" * 12}, {send.dry_run: "yes"}, {send.dry_run: 1}):
        api.assert_error(api.send(channel, body=api.send_body(**bad)), api.contract.codes.bad_request)


def test_a_dry_run_answers_an_id_and_stores_nothing(api: Api) -> None:
    send = api.contract.send
    channel = api.contract.channels[0]
    stored = len(api.sim.app.store)
    if send.dry_run is None:
        # No dry run in this dialect: a "simulation" field is an extra one, and the message is real.
        answer = api.send(channel, body=api.send_body(simulation=True))
        assert answer.status_code == api.created and len(api.sim.app.store) == stored + 1
        return
    answer = api.send(channel, dry_run=True)
    assert answer.status_code == api.created
    body = answer.json()
    assert api.contract.schema_errors(api.contract.schema_file("send_response"), body) == []
    message_id = body[send.id]
    assert body[send.channel] == channel
    if send.dry_run_answer is not None:
        assert body[send.dry_run_answer] is True
    assert len(api.sim.app.store) == stored
    assert api.sim.message(message_id) is None
    api.assert_error(api.lookup(message_id, channel), api.contract.codes.not_found)
    assert api.found_ids(api.batch([message_id], channel).json()) == []
    # "simulation": false is an ordinary send.
    real = api.send(channel, body=api.send_body(**{send.dry_run: False}))
    assert api.lookup(real.json()[send.id], channel).status_code == 200


def test_text_length_counts_code_points(api: Api) -> None:
    # 1000 characters outside ASCII are 1000 code points, though many more UTF-8 bytes.
    channel = api.contract.channels[0]
    assert api.send(channel, text="é" * 1000).status_code == api.created
    assert api.send(channel, text="😀" * 1000).status_code == api.created
    api.assert_error(api.send(channel, text="😀" * 1001), api.contract.codes.bad_request)


@pytest.mark.parametrize("raw", [b"{", b"not json", b"\xff\xfe", b"[" * 100_00, b"1" * 5000, b""])
def test_unparseable_bodies_are_400(api: Api, raw: bytes) -> None:
    api.assert_error(post(api, raw), api.contract.codes.bad_request)


def _padded_body(api: Api, size: int) -> bytes:
    """A valid send body of exactly `size` bytes (padding in an ignored extra field)."""
    skeleton = json.dumps(api.send_body(pad="")).encode()
    body = json.dumps(api.send_body(pad="x" * (size - len(skeleton))))
    assert len(body.encode()) == size
    return body.encode()


def test_body_at_the_limit_is_accepted(api: Api) -> None:
    answer = post(api, _padded_body(api, api.contract.send.body_max_bytes))
    assert answer.status_code == api.created


def test_body_over_the_limit_is_413(api: Api) -> None:
    answer = post(api, _padded_body(api, api.contract.send.body_max_bytes + 1))
    api.assert_error(answer, api.contract.codes.payload_too_large)
    assert answer.headers["connection"] == "close"


def test_chunked_body_over_the_limit_is_413(api: Api) -> None:
    # No Content-Length: the simulator must count what it reads and stop at the limit.
    limit = api.contract.send.body_max_bytes
    chunk = b"x" * 8192

    def chunks() -> Iterator[bytes]:
        for _ in range(limit // len(chunk) + 4):
            yield chunk

    api.assert_error(post(api, chunks()), api.contract.codes.payload_too_large)


def test_chunked_valid_body_is_accepted(api: Api) -> None:
    body = json.dumps(api.send_body()).encode()
    assert post(api, iter([body[:5], body[5:]])).status_code == api.created


def test_the_recipient_number_picks_the_test_recipient(api: Api) -> None:
    channel = api.contract.channels[0]
    for outcome, recipient in api.contract.recipients.items():
        message = api.sim.message(api.sent(channel, api.number(outcome)))
        assert message is not None
        assert message.recipient == recipient
        assert message.to == api.number(outcome)
