"""Batch lookup: limits, the partition into statuses and notFound, scoping, agreement."""

from __future__ import annotations

import pytest

from .client import KEY_B, Api


def partition(body: dict[str, list]) -> tuple[list[str], list[str]]:
    return [entry["customerMessageId"] for entry in body["statuses"]], list(body["notFound"])


def test_found_and_unknown_ids_are_partitioned(api: Api) -> None:
    channel = api.contract.channels[0]
    known = [api.sent(channel) for _ in range(3)]
    answer = api.batch([*known, "GW-unknown-1", "GW-unknown-2"], channel)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert api.contract.schema_errors("batch-body.json", body) == []
    found, missing = partition(body)
    assert found == known
    assert missing == ["GW-unknown-1", "GW-unknown-2"]


def test_duplicate_ids_appear_once(api: Api) -> None:
    channel = api.contract.channels[0]
    known = api.sent(channel)
    found, missing = partition(api.batch([known, "u", known, "u", known], channel).json())
    assert found == [known]
    assert missing == ["u"]


def test_entries_equal_single_lookups(api: Api) -> None:
    channel = api.contract.channels[0]
    ids = [api.sent(channel, api.number(outcome)) for outcome in api.contract.recipients]
    for message_id in ids:
        api.wait_settled(message_id)
    singles = [api.lookup(message_id, channel).json() for message_id in ids]
    assert api.batch(ids, channel).json()["statuses"] == singles


def test_batch_status_is_reachable_from_a_single_lookup_just_before(api: Api) -> None:
    channel = api.contract.channels[0]
    message_id = api.sent(channel, api.number("delivered"))
    for _ in range(20):
        single = api.status(message_id, channel)
        (entry,) = api.batch([message_id], channel).json()["statuses"]
        assert api.contract.reachable(single, entry["deliveryStato"])


def test_scoped_by_channel_and_company(api: Api) -> None:
    channels = api.contract.channels
    mine = api.sent(channels[0])
    other_channel = api.sent(channels[1])
    theirs = api.sent(channels[0], key=KEY_B)
    found, missing = partition(api.batch([mine, other_channel, theirs], channels[0]).json())
    assert found == [mine]
    assert missing == [other_channel, theirs]


def test_every_channel_is_served(api: Api) -> None:
    for channel in api.contract.channels:
        message_id = api.sent(channel)
        found, _ = partition(api.batch([message_id], channel).json())
        assert found == [message_id]
        assert api.batch([message_id], channel).json()["statuses"][0]["channel"] == channel


def test_the_maximum_number_of_ids_is_accepted(api: Api) -> None:
    channel = api.contract.channels[0]
    ids = [f"id-{i}" for i in range(api.contract.batch_max_ids)]
    answer = api.batch(ids, channel)
    assert answer.status_code == 200
    assert partition(answer.json())[1] == ids


@pytest.mark.parametrize(
    "ids",
    [
        "too_many",
        "none",
        "empty",
        "empty_first",
        "empty_last",
        "empty_middle",
        "only_separator",
    ],
)
def test_bad_id_lists_are_400(api: Api, ids: str) -> None:
    sep = api.contract.batch_separator
    values = {
        "too_many": sep.join(f"id-{i}" for i in range(api.contract.batch_max_ids + 1)),
        "none": None,
        "empty": "",
        "empty_first": f"{sep}a",
        "empty_last": f"a{sep}",
        "empty_middle": f"a{sep}{sep}b",
        "only_separator": sep,
    }
    params = {"channel": api.contract.channels[0]}
    if values[ids] is not None:
        params["customerMessageIds"] = values[ids]
    answer = api.request("GET", api.url(api.contract.batch_path), params=params, headers=api.auth("key-a"))
    assert answer.status_code == 400
    assert api.contract.schema_errors("error-body.json", answer.json()) == []


@pytest.mark.parametrize("channel", [None, "", "sms", "NOPE"])
def test_missing_or_invalid_channel_is_400(api: Api, channel: str | None) -> None:
    answer = api.batch(["a"], channel)
    assert answer.status_code == 400
    assert api.contract.schema_errors("error-body.json", answer.json()) == []


def test_unusual_ids_are_simply_not_found(api: Api) -> None:
    ids = ["ñ", "a/b", "%2F", "😀", "a b", "?", "#"]
    answer = api.batch(ids, api.contract.channels[0])
    assert answer.status_code == 200
    assert partition(answer.json()) == ([], ids)


def test_requires_auth(api: Api) -> None:
    assert api.batch(["a"], api.contract.channels[0], key=None).status_code == 401
    assert api.batch(["a"], api.contract.channels[0], key="nope").status_code == 401
