"""Each defect breaks its rule visibly: a probe over HTTP sees no violation without it and
sees one with it (one probe per defect; the catalogue must have no defect without a probe).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest

from gatewatch.contract import default_contract
from gatewatch.simulator import Simulator, catalogue
from gatewatch.simulator.defects import registered

from .client import KEY_B, Api

Probe = Callable[[Api], bool]
PROBES: dict[str, Probe] = {}


def probe(name: str) -> Callable[[Probe], Probe]:
    def register(fn: Probe) -> Probe:
        PROBES[name] = fn
        return fn

    return register


def first(api: Api) -> str:
    return api.contract.channels[0]


def json_or_none(text: str) -> object:
    import json

    try:
        return json.loads(text)
    except ValueError:
        return None


# -- bodies ----------------------------------------------------------------------------


@probe("status_lowercase")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    return api.lookup(message_id, first(api)).json()["deliveryStato"] not in api.contract.statuses


@probe("status_not_in_enum")
def _(api: Api) -> bool:
    # The unknown recipient stays in an initial status for ever: no race with the clock.
    message_id = api.sent(first(api), api.number("unknown"))
    return api.lookup(message_id, first(api)).json()["deliveryStato"] not in api.contract.statuses


@probe("error_without_reason")
def _(api: Api) -> bool:
    message_id = api.sent(first(api), api.number("error"))
    api.wait_settled(message_id)
    body = api.lookup(message_id, first(api)).json()
    assert body["deliveryStato"] in api.contract.needs_reason
    return not body["deliveryStatoDescription"]


@probe("echo_id_wrong")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    return api.lookup(message_id, first(api)).json()["customerMessageId"] != message_id


@probe("echo_channel_wrong")
def _(api: Api) -> bool:
    wrong = False
    for channel in api.contract.channels:
        message_id = api.sent(channel)
        wrong |= api.lookup(message_id, channel).json()["channel"] != channel
    return wrong


@probe("updated_at_naive")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    stamp = api.lookup(message_id, first(api)).json()["updatedAt"]
    return datetime.fromisoformat(stamp).tzinfo is None


@probe("wrong_content_type")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    return api.lookup(message_id, first(api)).headers["content-type"] != "application/json"


# -- scoping and parameters ------------------------------------------------------------------


@probe("channel_mismatch_found")
def _(api: Api) -> bool:
    message_id = api.sent(api.contract.channels[0])
    return api.lookup(message_id, api.contract.channels[1]).status_code == 200


@probe("tenant_leak_single")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    return api.lookup(message_id, first(api), key=KEY_B).status_code == 200


@probe("tenant_leak_batch")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    return bool(api.batch([message_id], first(api), key=KEY_B).json()["statuses"])


@probe("unknown_id_200_unknown")
def _(api: Api) -> bool:
    return api.lookup("GW-never-sent", first(api)).status_code == 200


@probe("channel_case_insensitive")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    return api.lookup(message_id, first(api).lower()).status_code != 400


@probe("missing_channel_500")
def _(api: Api) -> bool:
    return api.lookup("GW-x", None).status_code >= 500


@probe("unusual_id_500")
def _(api: Api) -> bool:
    return any(
        api.lookup(message_id, first(api)).status_code >= 500 for message_id in ("a/b", "ñandú", "50%", "a b")
    )


# -- lifecycle over time -----------------------------------------------------------------


def statuses_after_final(api: Api, outcome: str, lookups: int) -> list[str]:
    message_id = api.sent(first(api), api.number(outcome))
    api.wait_settled(message_id)
    return [api.status(message_id, first(api)) for _ in range(lookups)]


@probe("delivered_regresses")
def _(api: Api) -> bool:
    seen = statuses_after_final(api, "delivered", 6)
    return len(set(seen)) > 1


@probe("final_flips")
def _(api: Api) -> bool:
    seen = statuses_after_final(api, "error", 6)
    return len(set(seen)) > 1


@probe("expired_never")
def _(api: Api) -> bool:
    expected = api.contract.recipients["expired"].final_status
    message_id = api.sent(first(api), api.number("expired"))
    api.wait_settled(message_id)
    return api.status(message_id, first(api)) != expected


@probe("updated_at_backwards")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    stamps = [
        datetime.fromisoformat(api.lookup(message_id, first(api)).json()["updatedAt"]) for _ in range(4)
    ]
    return stamps != sorted(stamps)


# -- batch ----------------------------------------------------------------------------------


@probe("batch_stale")
def _(api: Api) -> bool:
    message_id = api.sent(first(api), api.number("delivered"))
    api.wait_settled(message_id)
    single = api.status(message_id, first(api))
    (entry,) = api.batch([message_id], first(api)).json()["statuses"]
    return not api.contract.reachable(single, entry["deliveryStato"])


@probe("batch_drops_unknown")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    body = api.batch([message_id, "GW-unknown"], first(api)).json()
    listed = [e["customerMessageId"] for e in body["statuses"]] + body["notFound"]
    return sorted(listed) != sorted([message_id, "GW-unknown"])


@probe("batch_duplicates")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    body = api.batch([message_id, "GW-unknown"], first(api)).json()
    listed = [e["customerMessageId"] for e in body["statuses"]] + body["notFound"]
    return len(listed) != len(set(listed))


@probe("batch_no_limit")
def _(api: Api) -> bool:
    ids = [f"id-{i}" for i in range(api.contract.batch_max_ids + 1)]
    return api.batch(ids, first(api)).status_code != 400


# -- errors and auth ----------------------------------------------------------------------


@probe("error_body_not_json")
def _(api: Api) -> bool:
    answer = api.lookup("GW-unknown", first(api))
    body = json_or_none(answer.text)
    return answer.headers["content-type"] != "application/json" or not isinstance(body, dict)


@probe("error_code_not_snake")
def _(api: Api) -> bool:
    code = api.lookup("GW-unknown", first(api)).json()["code"]
    return not re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", code)


@probe("flaky_500")
def _(api: Api) -> bool:
    # A client's first try and its two retries of the same id all fail.
    message_id = api.sent(first(api))
    return all(api.lookup(message_id, first(api)).status_code == 500 for _ in range(3))


@probe("auth_not_enforced")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    return api.lookup(message_id, first(api), key=None).status_code != 401


@probe("bad_key_403")
def _(api: Api) -> bool:
    return api.lookup("GW-x", first(api), key="not-a-key").status_code != 401


@probe("precedence_400_before_401")
def _(api: Api) -> bool:
    return api.lookup("GW-x", "bogus", key=None).status_code != 401


# -- send -----------------------------------------------------------------------------------


@probe("send_accepts_invalid")
def _(api: Api) -> bool:
    return api.send(first(api), "not-a-number").status_code in api.contract.send_success_codes


@probe("send_missing_id")
def _(api: Api) -> bool:
    return "customerMessageId" not in api.send(first(api)).json()


# -- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(registered()))
def test_defect_shows_its_deviation(simulator: Simulator, api: Api, name: str) -> None:
    check = PROBES[name]
    assert not check(api), "the conforming simulator already shows the deviation"
    simulator.reset()
    simulator.set_defects([name])
    assert check(api), f"{name} did not show"


def test_every_defect_has_a_probe() -> None:
    assert set(PROBES) == set(registered())


def test_every_defect_names_a_rule_of_the_contract() -> None:
    contract = default_contract()
    for spec in catalogue(contract):
        assert spec.rule in contract.rules
        assert spec.description.strip()
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", spec.name)


def test_at_least_the_agreed_defects_exist() -> None:
    agreed = {
        "status_lowercase",
        "status_not_in_enum",
        "channel_mismatch_found",
        "unknown_id_200_unknown",
        "channel_case_insensitive",
        "unusual_id_500",
        "tenant_leak_single",
        "tenant_leak_batch",
        "error_without_reason",
        "delivered_regresses",
        "final_flips",
        "echo_id_wrong",
        "echo_channel_wrong",
        "wrong_content_type",
        "error_body_not_json",
        "error_code_not_snake",
        "auth_not_enforced",
        "bad_key_403",
        "batch_stale",
        "batch_drops_unknown",
        "batch_no_limit",
        "batch_duplicates",
        "missing_channel_500",
        "updated_at_naive",
        "updated_at_backwards",
        "flaky_500",
        "send_accepts_invalid",
        "send_missing_id",
        "expired_never",
        "precedence_400_before_401",
    }
    assert agreed <= set(registered())


def test_defects_compose(simulator: Simulator, api: Api) -> None:
    simulator.set_defects(["error_code_not_snake", "error_body_not_json"])
    answer = api.lookup("GW-unknown", first(api))
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/plain")
    simulator.set_defects(["status_lowercase", "echo_id_wrong"])
    message_id = api.sent(first(api))
    body = api.lookup(message_id, first(api)).json()
    assert body["deliveryStato"].islower() and body["customerMessageId"] == message_id.lower()


def test_defects_switch_off_again(simulator: Simulator, api: Api) -> None:
    simulator.set_defects(["tenant_leak_single"])
    assert simulator.defects == ("tenant_leak_single",)
    simulator.set_defects([])
    message_id = api.sent(first(api))
    assert api.lookup(message_id, first(api), key=KEY_B).status_code == 404
