"""Single lookup: the 200 body, scoping by channel and company, the channel parameter, ids."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests
from rfc3339_validator import validate_rfc3339

from gatewatch.simulator import Simulator

from .client import KEY_B, Api, raw_request


def message_not_found(api: Api, answer: requests.Response) -> bool:
    """True for the 404 of an id not found (not that of an unknown path)."""
    body = api.assert_error(answer, api.contract.codes.not_found)
    return "message" in body[api.contract.error.fields["message"]]


def test_found_body_has_all_five_fields_and_echoes(api: Api) -> None:
    f = api.fields
    for channel in api.contract.channels:
        message_id = api.sent(channel)
        answer = api.lookup(message_id, channel)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == api.contract.json_content_type
        body = answer.json()
        assert api.contract.schema_errors(api.contract.schema_file("status_body"), body) == []
        # channel and updatedAt are there even where optional, so their rules get exercised.
        assert set(body) == set(f.names())
        assert body[f.id] == message_id
        assert body[f.channel] == channel
        assert body[f.status] in api.contract.statuses
        assert body[f.description] is None
        assert validate_rfc3339(body[f.updated_at])
        assert body[f.updated_at].endswith("Z")


def test_other_channel_is_404_like_unknown(api: Api) -> None:
    channels = api.contract.channels
    message_id = api.sent(channels[0])
    unknown = api.lookup("GW-never-sent", channels[0])
    for other in channels[1:]:
        answer = api.lookup(message_id, other)
        assert answer.status_code == 404
        assert answer.json() == unknown.json()


def test_other_company_is_404_like_unknown(api: Api) -> None:
    channel = api.contract.channels[0]
    message_id = api.sent(channel)
    answer = api.lookup(message_id, channel, key=KEY_B)
    unknown = api.lookup("GW-never-sent", channel, key=KEY_B)
    assert answer.status_code == unknown.status_code == 404
    assert answer.json() == unknown.json()
    # ... and the owner still sees it.
    assert api.lookup(message_id, channel).status_code == 200


@pytest.mark.parametrize("channel", [None, "", "sms", "Sms", " SMS", "SMS ", "EMAIL", "SMS,RCS"])
def test_missing_or_invalid_channel_is_400(api: Api, channel: str | None) -> None:
    message_id = api.sent(api.contract.channels[0])
    api.assert_error(api.lookup(message_id, channel), api.contract.codes.bad_request)


def test_wrong_case_of_every_channel_is_400(api: Api) -> None:
    message_id = api.sent(api.contract.channels[0])
    for channel in api.contract.channels:
        for variant in {channel.lower(), channel.capitalize(), channel.swapcase()} - {channel}:
            assert api.lookup(message_id, variant).status_code == 400


def test_repeated_channel_parameter_is_400(api: Api) -> None:
    channel = api.contract.channels[0]
    message_id = api.sent(channel)
    param = api.contract.channel_param
    answer = api.request(
        "GET",
        api.lookup_url(message_id) + f"?{param}={channel}&{param}={channel}",
        headers=api.auth("key-a"),
    )
    api.assert_error(answer, api.contract.codes.bad_request)


UNUSUAL_IDS = [
    "x",
    "GW-" + "0" * 32,
    "a" * 4000,
    "ñandú",
    "测试",
    "emoji-😀",
    "a/b",
    "a?b=c",
    "a#b",
    "a&b",
    "a;b",
    "a b",
    "%",
    "%2F",
    "%ZZ",
    "%00",
    "'; DROP TABLE messages; --",
    "<script>",
    "\\",
    "\t",
    "null",
]


@pytest.mark.parametrize("message_id", UNUSUAL_IDS, ids=lambda s: repr(s[:20]))
def test_unknown_ids_of_any_shape_are_404(api: Api, message_id: str) -> None:
    answer = api.lookup(message_id, api.contract.channels[0])
    assert message_not_found(api, answer)


@pytest.mark.parametrize("raw_id", ["%FF", "%C3%28", "%ED%A0%80", "%", "%%", "%2", "%G0", "abc%", "%E2%82"])
def test_raw_ids_that_are_not_utf8_or_not_escapes_never_5xx(
    simulator: Simulator, api: Api, raw_id: str
) -> None:
    path = f"{simulator.config.base_path}{api.lookup_path(raw_id)}?{api.channel_query()}"
    status, content_type, _ = raw_request(simulator.url, "GET", path, api.auth("key-a"))
    assert status in (400, 404)
    assert content_type == api.contract.json_content_type


def test_dot_segment_ids_are_ids_when_encoded(api: Api) -> None:
    # Clients remove literal dot segments; encoded, they are ordinary unknown ids.
    for raw_id in ("%2E", "%2E%2E"):
        assert message_not_found(api, api.lookup(raw_id, api.contract.channels[0], encode=False))


def test_encoded_slash_stays_part_of_the_id(api: Api) -> None:
    # %2F must not split the path: the answer is "no such message", not "no such path".
    assert message_not_found(api, api.lookup("a/b", api.contract.channels[0]))


def test_id_is_percent_decoded_before_lookup_and_echo(api: Api) -> None:
    channel = api.contract.channels[0]
    message_id = api.sent(channel)
    every_char_escaped = "".join(f"%{byte:02X}" for byte in message_id.encode())
    answer = api.lookup(every_char_escaped, channel, encode=False)
    assert answer.status_code == 200
    assert answer.json()[api.fields.id] == message_id


def test_empty_id_is_an_unknown_path(api: Api) -> None:
    answer = api.request(
        "GET",
        api.lookup_url(""),
        params=api.channel_params(api.contract.channels[0]),
        headers=api.auth("key-a"),
    )
    api.assert_error(answer, api.contract.codes.not_found)
    assert not message_not_found(api, answer)


def test_literal_slash_in_id_is_an_unknown_path(api: Api) -> None:
    answer = api.lookup("a/b", api.contract.channels[0], encode=False)
    api.assert_error(answer, api.contract.codes.not_found)
    assert not message_not_found(api, answer)


def test_query_that_is_not_utf8_is_400(simulator: Simulator, api: Api) -> None:
    message_id = api.sent(api.contract.channels[0])
    path = (
        f"{simulator.config.base_path}{api.lookup_path(quote(message_id))}?{api.contract.channel_param}=%FF"
    )
    status, _, _ = raw_request(simulator.url, "GET", path, api.auth("key-a"))
    assert status == 400


def test_lookups_of_every_channel_and_recipient(api: Api) -> None:
    for channel in api.contract.channels:
        for outcome in api.contract.recipients:
            message_id = api.sent(channel, api.number(outcome))
            assert api.status(message_id, channel) in api.contract.initial_statuses
