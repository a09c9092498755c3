"""Batch lookup: the answer's shape (array of found entries, or the statuses/notFound object),
the limits, scoping, agreement with single lookups."""

from __future__ import annotations

import pytest

from .client import KEY_B, Api


def test_found_and_unknown_ids(api: Api) -> None:
    channel = api.contract.channels[0]
    known = [api.sent(channel) for _ in range(3)]
    answer = api.batch([*known, "GW-unknown-1", "GW-unknown-2"], channel)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == api.contract.json_content_type
    body = answer.json()
    assert api.contract.schema_errors(api.contract.schema_file("batch_body"), body) == []
    assert api.found_ids(body) == known
    if api.contract.batch.array:
        # Unmatched ids are left out of the array.
        assert isinstance(body, list) and len(body) == len(known)
    else:
        assert api.not_found(body) == ["GW-unknown-1", "GW-unknown-2"]


def test_none_matching(api: Api) -> None:
    answer = api.batch(["GW-unknown-1", "GW-unknown-2"], api.contract.channels[0])
    assert answer.status_code == 200
    body = answer.json()
    if api.contract.batch.array:
        assert body == []
    else:
        assert body == {
            api.contract.batch.statuses: [],
            api.contract.batch.not_found: ["GW-unknown-1", "GW-unknown-2"],
        }


def test_duplicate_ids_appear_once(api: Api) -> None:
    channel = api.contract.channels[0]
    known = api.sent(channel)
    body = api.batch([known, "u", known, "u", known], channel).json()
    assert api.found_ids(body) == [known]
    assert api.not_found(body) == ([] if api.contract.batch.array else ["u"])


def test_entries_carry_all_five_fields_and_equal_single_lookups(api: Api) -> None:
    channel = api.contract.channels[0]
    ids = [api.sent(channel, api.number(outcome)) for outcome in api.contract.recipients]
    for message_id in ids:
        api.wait_settled(message_id)
    singles = [api.lookup(message_id, channel).json() for message_id in ids]
    entries = api.entries(api.batch(ids, channel).json())
    assert entries == singles
    for entry in entries:
        assert set(api.fields.names()) <= set(entry)


def test_batch_status_is_reachable_from_a_single_lookup_just_before(api: Api) -> None:
    channel = api.contract.channels[0]
    message_id = api.sent(channel, api.number("delivered"))
    for _ in range(20):
        single = api.status(message_id, channel)
        (entry,) = api.entries(api.batch([message_id], channel).json())
        assert api.contract.reachable(single, entry[api.fields.status])


def test_scoped_by_channel_and_company(api: Api) -> None:
    channels = api.contract.channels
    mine = api.sent(channels[0])
    other_channel = api.sent(channels[1])
    theirs = api.sent(channels[0], key=KEY_B)
    body = api.batch([mine, other_channel, theirs], channels[0]).json()
    assert api.found_ids(body) == [mine]
    assert api.not_found(body) == ([] if api.contract.batch.array else [other_channel, theirs])


def test_every_channel_is_served(api: Api) -> None:
    for channel in api.contract.channels:
        message_id = api.sent(channel)
        (entry,) = api.entries(api.batch([message_id], channel).json())
        assert entry[api.fields.id] == message_id
        assert entry[api.fields.channel] == channel


def test_up_to_the_maximum_number_of_ids_answer_200(api: Api) -> None:
    channel = api.contract.channels[0]
    known = api.sent(channel)
    ids = [f"id-{i}" for i in range(api.contract.batch.max_ids - 1)] + [known]
    answer = api.batch(ids, channel)
    assert answer.status_code == 200
    assert api.found_ids(answer.json()) == [known]


def test_more_than_the_maximum_answer_as_the_contract_allows(api: Api) -> None:
    channel = api.contract.channels[0]
    known = api.sent(channel)
    ids = [f"id-{i}" for i in range(api.contract.batch.max_ids)] + [known]
    answer = api.batch(ids, channel)
    allowed = api.contract.batch.over_limit_codes
    assert answer.status_code in allowed
    if api.contract.codes.ok in allowed:
        # The vendor has no hard limit: the simulator answers them all.
        assert answer.status_code == 200
        assert api.found_ids(answer.json()) == [known]
    else:
        api.assert_error(answer, api.contract.codes.bad_request)


@pytest.mark.parametrize(
    "case", ["none", "empty", "empty_first", "empty_last", "empty_middle", "only_separator", "repeated"]
)
def test_bad_id_lists_are_400(api: Api, case: str) -> None:
    sep = api.contract.batch.separator
    channel = api.contract.channels[0]
    if case == "repeated":
        param = api.contract.batch.ids_param
        url = (
            api.url(api.contract.batch_path) + f"?{api.contract.channel_param}={channel}&{param}=a&{param}=b"
        )
        answer = api.request("GET", url, headers=api.auth("key-a"))
    else:
        raw = {
            "none": None,
            "empty": "",
            "empty_first": f"{sep}a",
            "empty_last": f"a{sep}",
            "empty_middle": f"a{sep}{sep}b",
            "only_separator": sep,
        }[case]
        answer = api.batch(None, channel, raw=raw)
    api.assert_error(answer, api.contract.codes.bad_request)


@pytest.mark.parametrize("channel", [None, "", "sms", "NOPE"])
def test_missing_or_invalid_channel_is_400(api: Api, channel: str | None) -> None:
    api.assert_error(api.batch(["a"], channel), api.contract.codes.bad_request)


def test_the_other_dialects_ids_parameter_is_not_read(api: Api) -> None:
    aliases = api.contract.aliases_of(api.contract.batch.ids_param)
    assert aliases is not None
    other = aliases[1][0]
    params = {**api.channel_params(api.contract.channels[0]), other: "a"}
    answer = api.request("GET", api.url(api.contract.batch_path), params=params, headers=api.auth("key-a"))
    api.assert_error(answer, api.contract.codes.bad_request)


def test_unusual_ids_are_simply_not_found(api: Api) -> None:
    ids = ["ñ", "a/b", "%2F", "😀", "a b", "?", "#"]
    answer = api.batch(ids, api.contract.channels[0])
    assert answer.status_code == 200
    assert api.found_ids(answer.json()) == []
    assert api.not_found(answer.json()) == ([] if api.contract.batch.array else ids)


def test_requires_auth(api: Api) -> None:
    unauthorized = api.contract.codes.unauthorized
    api.assert_error(api.batch(["a"], api.contract.channels[0], key=None), unauthorized)
    api.assert_error(api.batch(["a"], api.contract.channels[0], key="nope"), unauthorized)
