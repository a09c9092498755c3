"""Each defect breaks its rule visibly, on every dialect it applies to: a probe over HTTP sees
no violation without it and sees one with it (one probe per defect; the catalogue must have
no defect without a probe). Defects that need a rate limit are probed with one on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime

import pytest
import requests

from gatewatch.contract import resolve_contract
from gatewatch.core.ratelimit import RateLimit
from gatewatch.simulator import Simulator, catalogue
from gatewatch.simulator.defects import registered

from .client import KEY_A, KEY_B, Api, error_problems
from .conftest import DIALECTS
from .test_webhook_deliveries import DEVIATIONS as WEBHOOK_DEVIATIONS

Probe = Callable[[Api], bool]
PROBES: dict[str, Probe] = {}
#: The rate limit a defect that needs one is probed with.
LIMITS: dict[str, RateLimit] = {
    "rate_limit_no_retry_after": RateLimit(per_minute=1),
    "rate_limit_html": RateLimit(per_minute=1),
    "throttle_early": RateLimit(per_second=8),
    "rate_limit_never": RateLimit(per_minute=3),
    "rate_limit_headers_missing": RateLimit(per_minute=10),
}


def probe(name: str) -> Callable[[Probe], Probe]:
    def register(fn: Probe) -> Probe:
        PROBES[name] = fn
        return fn

    return register


def first(api: Api) -> str:
    return api.contract.channels[0]


def json_or_none(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


# -- bodies ----------------------------------------------------------------------------


@probe("status_lowercase")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    return api.lookup(message_id, first(api)).json()[api.fields.status] not in api.contract.statuses


@probe("status_not_in_enum")
def _(api: Api) -> bool:
    # The unknown recipient stays in an initial status for ever: no race with the clock.
    message_id = api.sent(first(api), api.number("unknown"))
    return api.lookup(message_id, first(api)).json()[api.fields.status] not in api.contract.statuses


@probe("error_without_reason")
def _(api: Api) -> bool:
    message_id = api.sent(first(api), api.number("error"))
    api.wait_settled(message_id)
    body = api.lookup(message_id, first(api)).json()
    assert body[api.fields.status] in api.contract.needs_reason
    return not body[api.fields.description]


@probe("echo_id_wrong")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    return api.lookup(message_id, first(api)).json()[api.fields.id] != message_id


@probe("echo_channel_wrong")
def _(api: Api) -> bool:
    wrong = False
    for channel in api.contract.channels:
        message_id = api.sent(channel)
        wrong |= api.lookup(message_id, channel).json()[api.fields.channel] != channel
    return wrong


@probe("updated_at_naive")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    stamp = api.lookup(message_id, first(api)).json()[api.fields.updated_at]
    return datetime.fromisoformat(stamp).tzinfo is None


@probe("wrong_content_type")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    return api.lookup(message_id, first(api)).headers["content-type"] != api.contract.json_content_type


@probe("status_field_english")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    body = api.lookup(message_id, first(api)).json()
    aliases = api.contract.aliases_of(api.fields.status)
    assert aliases is not None
    schema_broken = bool(api.contract.schema_errors(api.contract.schema_file("status_body"), body))
    return schema_broken and api.fields.status not in body and aliases[1][0] in body


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
    return bool(api.found_ids(api.batch([message_id], first(api), key=KEY_B).json()))


@probe("batch_ignores_channel")
def _(api: Api) -> bool:
    elsewhere = api.sent(api.contract.channels[1])
    return elsewhere in api.found_ids(api.batch([elsewhere], api.contract.channels[0]).json())


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
    return len(set(statuses_after_final(api, "delivered", 6))) > 1


@probe("final_flips")
def _(api: Api) -> bool:
    return len(set(statuses_after_final(api, "error", 6))) > 1


@probe("expired_never")
def _(api: Api) -> bool:
    expected = api.contract.recipients["expired"].final_status
    message_id = api.sent(first(api), api.number("expired"))
    api.wait_settled(message_id)
    return api.status(message_id, first(api)) != expected


@probe("updated_at_backwards")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    field = api.fields.updated_at
    stamps = [datetime.fromisoformat(api.lookup(message_id, first(api)).json()[field]) for _ in range(4)]
    return stamps != sorted(stamps)


# -- batch ----------------------------------------------------------------------------------


@probe("batch_stale")
def _(api: Api) -> bool:
    message_id = api.sent(first(api), api.number("delivered"))
    api.wait_settled(message_id)
    single = api.status(message_id, first(api))
    (entry,) = api.entries(api.batch([message_id], first(api)).json())
    return not api.contract.reachable(single, entry[api.fields.status])


def listed(api: Api, ids: list[str]) -> list[str]:
    body = api.batch(ids, first(api)).json()
    return api.found_ids(body) + api.not_found(body)


@probe("batch_drops_unknown")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    return sorted(listed(api, [message_id, "GW-unknown"])) != sorted([message_id, "GW-unknown"])


@probe("batch_duplicates")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    seen = listed(api, [message_id, "GW-unknown"])
    return len(seen) != len(set(seen))


@probe("batch_drops_existing")
def _(api: Api) -> bool:
    ids = [api.sent(first(api)) for _ in range(3)]
    return sorted(api.found_ids(api.batch(ids, first(api)).json())) != sorted(ids)


@probe("batch_unknown_as_unknown")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    return "GW-unknown" in api.found_ids(api.batch([message_id, "GW-unknown"], first(api)).json())


@probe("batch_404_when_none")
def _(api: Api) -> bool:
    return api.batch(["GW-unknown-1", "GW-unknown-2"], first(api)).status_code != 200


@probe("batch_no_limit")
def _(api: Api) -> bool:
    ids = [f"id-{i}" for i in range(api.contract.batch.max_ids + 1)]
    return api.batch(ids, first(api)).status_code not in api.contract.batch.over_limit_codes


@probe("batch_object_shape")
def _(api: Api) -> bool:
    message_id = api.sent(first(api))
    body = api.batch([message_id], first(api)).json()
    return bool(api.contract.schema_errors(api.contract.schema_file("batch_body"), body)) and isinstance(
        body, dict
    )


# -- errors and auth ----------------------------------------------------------------------


def not_found_answer(api: Api) -> tuple[int, object]:
    answer = api.lookup("GW-unknown", first(api))
    return answer.status_code, json_or_none(answer.text)


@probe("error_body_not_json")
def _(api: Api) -> bool:
    answer = api.lookup("GW-unknown", first(api))
    body = json_or_none(answer.text)
    return answer.headers["content-type"] != api.contract.json_content_type or not isinstance(body, dict)


@probe("error_code_not_snake")
def _(api: Api) -> bool:
    _, body = not_found_answer(api)
    assert isinstance(body, dict)
    return not re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", body[api.contract.error.fields["code"]])


@probe("error_body_other_shape")
def _(api: Api) -> bool:
    status, body = not_found_answer(api)
    assert isinstance(body, dict)
    return bool(error_problems(api.contract, status, body)) and not set(
        api.contract.error.fields.values()
    ) <= set(body)


@probe("error_status_mismatch")
def _(api: Api) -> bool:
    status, body = not_found_answer(api)
    field = api.contract.error.status_field
    assert isinstance(body, dict) and field is not None
    return body[field] != status


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
    return api.send(first(api), "not-a-number").status_code in api.contract.send.success_codes


@probe("destination_newline_accepted")
def _(api: Api) -> bool:
    number = api.number("error")
    answer = api.send(first(api), number + "\n")
    if answer.status_code not in api.contract.send.success_codes:
        return False
    message = api.sim.message(answer.json()[api.contract.send.id])
    return message is not None and message.to == number


@probe("send_missing_id")
def _(api: Api) -> bool:
    return api.contract.send.id not in api.send(first(api)).json()


def not_json_send(api: Api) -> requests.Response:
    return api.request(
        "POST",
        api.url(api.contract.send_paths[first(api)]),
        data=b"not json",
        headers={**api.auth(KEY_A), "Content-Type": api.contract.json_content_type},
    )


@probe("send_not_json_500")
def _(api: Api) -> bool:
    # Every time, so the client's retries meet it too; still the error body.
    answers = [not_json_send(api) for _ in range(3)]
    bodies = [json_or_none(answer.text) for answer in answers]
    return all(a.status_code == 500 for a in answers) and all(isinstance(b, dict) for b in bodies)


@probe("send_not_json_500_page")
def _(api: Api) -> bool:
    answers = [not_json_send(api) for _ in range(3)]
    return all(a.status_code == 500 and json_or_none(a.text) is None for a in answers)


# -- rate limits ----------------------------------------------------------------------------


def first_429(api: Api, tries: int = 5) -> requests.Response:
    for _ in range(tries):
        answer = api.lookup("GW-x", first(api))
        if answer.status_code == api.contract.codes.too_many_requests:
            return answer
    raise AssertionError(f"no 429 in {tries} requests")


@probe("rate_limit_no_retry_after")
def _(api: Api) -> bool:
    answer = first_429(api)
    return api.contract.rate_limits.retry_after_field not in answer.json()


@probe("rate_limit_html")
def _(api: Api) -> bool:
    answer = first_429(api)
    return answer.headers["content-type"] != api.contract.json_content_type


@probe("throttle_early")
def _(api: Api) -> bool:
    # Half the per-second limit, at once: a conforming gateway lets them all through.
    return any(api.lookup("GW-x", first(api)).status_code == 429 for _ in range(4))


@probe("rate_limit_never")
def _(api: Api) -> bool:
    return all(api.lookup("GW-x", first(api)).status_code != 429 for _ in range(5))


@probe("rate_limit_headers_missing")
def _(api: Api) -> bool:
    answer = api.lookup("GW-x", first(api))
    limits = api.contract.rate_limits
    return not all(header in answer.headers for header in (limits.limit_header, limits.remaining_header))


# -- the webhook registration ----------------------------------------------------------------

HOOK = "https://receiver.example/hooks"


def hook(api: Api, method: str, url: str | None = None) -> requests.Response:
    body = None if url is None else {api.contract.webhooks.registration.callback_url: url}
    return api.request(
        method, api.url(api.contract.webhooks.registration.path), headers=api.auth(KEY_A), json=body
    )


@probe("webhook_post_200_on_conflict")
def _(api: Api) -> bool:
    hook(api, "POST", HOOK)
    return hook(api, "POST", HOOK + "/2").status_code == api.contract.codes.ok


@probe("webhook_put_creates")
def _(api: Api) -> bool:
    hook(api, "PUT", HOOK)
    return hook(api, "GET").status_code == api.contract.codes.ok


@probe("webhook_delete_200_with_body")
def _(api: Api) -> bool:
    hook(api, "POST", HOOK)
    answer = hook(api, "DELETE")
    return answer.status_code == api.contract.codes.ok and answer.content != b""


@probe("webhook_http_accepted")
def _(api: Api) -> bool:
    return hook(api, "POST", "http://receiver.example/hooks").status_code == api.contract.codes.created


# -- the tests ------------------------------------------------------------------------------

# The delivery webhooks' defects need a callback on 127.0.0.1 (a simulator configured for
# it): test_webhook_deliveries.py shows each one's deviation.
CASES = [
    (dialect, spec.name)
    for dialect in DIALECTS
    for spec in catalogue(resolve_contract(dialect))
    if spec.name not in WEBHOOK_DEVIATIONS
]


@pytest.mark.parametrize(("dialect", "name"), CASES, ids=[f"{d}-{n}" for d, n in CASES])
def test_defect_shows_its_deviation(simulator: Simulator, api: Api, name: str) -> None:
    spec = registered()[name]
    check = PROBES[name]
    limit = LIMITS.get(name)
    assert spec.needs_rate_limit == (limit is not None)
    if limit is not None:
        simulator.set_rate_limit(limit)
    assert not check(api), "the conforming simulator already shows the deviation"
    simulator.reset()
    if limit is not None:
        simulator.set_rate_limit(limit)
    simulator.set_defects([name])
    assert check(api), f"{name} did not show"


def test_every_defect_has_a_probe() -> None:
    assert set(PROBES) | set(WEBHOOK_DEVIATIONS) == set(registered())
    assert not set(PROBES) & set(WEBHOOK_DEVIATIONS)


def test_every_defect_applies_to_some_dialect() -> None:
    applied = {spec.name for dialect in DIALECTS for spec in catalogue(resolve_contract(dialect))}
    assert applied == set(registered())


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_defect_names_a_rule_of_the_contract(dialect: str) -> None:
    contract = resolve_contract(dialect)
    for spec in catalogue(contract):
        assert spec.rule in contract.rules
        assert spec.description.strip()
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", spec.name)
        if spec.needs_rate_limit:
            assert contract.rate_limits.enabled


def test_the_catalogue_is_per_dialect() -> None:
    vendor = {spec.name for spec in catalogue(resolve_contract("vendor"))}
    strict = {spec.name for spec in catalogue(resolve_contract("strict"))}
    array_only = {"batch_404_when_none", "batch_object_shape", "batch_unknown_as_unknown"}
    rate = {name for name, spec in registered().items() if spec.needs_rate_limit}
    assert rate == set(LIMITS)
    assert array_only | rate | {"error_status_mismatch"} <= vendor - strict
    assert {"batch_drops_unknown", "batch_no_limit", "error_code_not_snake"} <= strict - vendor
    both = {
        "batch_duplicates",
        "error_body_other_shape",
        "status_field_english",
        "bad_key_403",
        "flaky_500",
        "send_not_json_500",
        "send_not_json_500_page",
    }
    assert both <= vendor & strict


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
        # the vendor dialect's own
        "batch_unknown_as_unknown",
        "batch_drops_existing",
        "batch_404_when_none",
        "batch_ignores_channel",
        "batch_object_shape",
        "error_body_other_shape",
        "error_status_mismatch",
        "rate_limit_no_retry_after",
        "rate_limit_html",
        "throttle_early",
        "rate_limit_never",
        "rate_limit_headers_missing",
        "status_field_english",
        "destination_newline_accepted",
    }
    assert agreed <= set(registered())


def test_defects_compose(simulator: Simulator, api: Api) -> None:
    simulator.set_defects(["error_body_other_shape", "error_body_not_json"])
    answer = api.lookup("GW-unknown", first(api))
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/plain")
    simulator.set_defects(["status_lowercase", "echo_id_wrong"])
    message_id = api.sent(first(api))
    body = api.lookup(message_id, first(api)).json()
    assert body[api.fields.status].islower() and body[api.fields.id] == message_id.lower()


def test_defects_switch_off_again(simulator: Simulator, api: Api) -> None:
    simulator.set_defects(["tenant_leak_single"])
    assert simulator.defects == ("tenant_leak_single",)
    simulator.set_defects([])
    message_id = api.sent(first(api))
    assert api.lookup(message_id, first(api), key=KEY_B).status_code == 404
