"""Error answers: the contract's error body everywhere, unknown paths, 405, and which error wins.

The precedence cases are generated from `contract.precedence.order`: every pair of roles
that one request can break at once, on every operation that has both.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from itertools import combinations

import pytest
import requests

from gatewatch.contract import resolve_contract
from gatewatch.core.ratelimit import RateLimit
from gatewatch.simulator import Simulator

from .client import KEY_A, Api
from .conftest import DIALECTS


@pytest.mark.parametrize(
    "path", ["/", "/nope", "/partner-gateway/v1", "/partner-gateway/v2/sms/messages", "/x/" * 50]
)
def test_unknown_paths_are_404_with_the_error_body(api: Api, path: str) -> None:
    for method in ("GET", "POST", "DELETE"):
        answer = api.request(method, api.url(path), headers=api.auth(KEY_A))
        api.assert_error(answer, api.contract.codes.not_found)


def test_paths_outside_the_base_are_404(api: Api) -> None:
    answer = api.request("GET", api.sim.url + api.lookup_path("x"), params=api.channel_params("SMS"))
    api.assert_error(answer, api.contract.codes.not_found)


def test_control_paths_are_unknown_unless_enabled(api: Api) -> None:
    for path in ("/_control/faults", "/_control/reset"):
        api.assert_error(api.request("POST", api.sim.url + path, json={}), api.contract.codes.not_found)


def test_wrong_methods_are_405_with_allow(api: Api) -> None:
    contract = api.contract
    cases = [(path, "GET") for path in contract.send_paths.values()]
    cases += [(api.lookup_path("x"), "POST")]
    cases += [(contract.batch_path, "DELETE"), (contract.batch_path, "PUT")]
    for path, method in cases:
        answer = api.request(method, api.url(path), headers=api.auth(KEY_A))
        api.assert_error(answer, contract.codes.method_not_allowed)
        assert answer.headers["allow"]
        assert method not in answer.headers["allow"]


def test_every_error_status_has_the_error_body(simulator: Simulator, api: Api) -> None:
    codes = api.contract.codes
    channel = api.contract.channels[0]
    send_path = api.url(api.contract.send_paths[channel])
    too_big = b"x" * (api.contract.send.body_max_bytes + 1)
    answers = {
        codes.payload_too_large: api.request("POST", send_path, data=too_big),
        codes.unauthorized: api.lookup("x", channel, key=None),
        codes.bad_request: api.lookup("x", None),
        codes.not_found: api.lookup("x", channel),
        codes.method_not_allowed: api.request("PUT", send_path, headers=api.auth(KEY_A)),
    }
    simulator.set_faults(error_rate=1.0)
    answers[codes.server_error] = api.lookup("x", channel)
    for status, answer in answers.items():
        body = api.assert_error(answer, status)
        fields = api.contract.error.fields
        assert set(fields.values()) <= set(body)
        if "status" in fields:
            assert body[fields["status"]] == status
        if "error" in fields:
            assert body[fields["error"]] == HTTPStatus(status).phrase
        if "code" in fields:
            assert re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", body[fields["code"]])
        assert body[fields["message"]].strip()


# -- precedence -------------------------------------------------------------------------

# Pairs no single request can break together: an unknown path has no methods and no id;
# a key that is missing or unknown is not rate limited.
IMPOSSIBLE = {
    frozenset({"path_not_found", "method_not_allowed"}),
    frozenset({"path_not_found", "not_found"}),
    frozenset({"unauthorized", "too_many_requests"}),
}
# Which roles each operation can break.
BREAKABLE = {
    "lookup": {
        "payload_too_large",
        "path_not_found",
        "method_not_allowed",
        "unauthorized",
        "too_many_requests",
        "bad_request",
        "not_found",
    },
    "batch": {
        "payload_too_large",
        "path_not_found",
        "method_not_allowed",
        "unauthorized",
        "too_many_requests",
        "bad_request",
    },
    "send": {
        "payload_too_large",
        "path_not_found",
        "method_not_allowed",
        "unauthorized",
        "too_many_requests",
        "bad_request",
    },
}


def precedence_cases() -> list[tuple[str, str, str, str]]:
    cases = []
    for dialect in DIALECTS:
        order = resolve_contract(dialect).precedence.order
        for op, breakable in BREAKABLE.items():
            for first, second in combinations(order, 2):
                if {first, second} <= breakable and frozenset({first, second}) not in IMPOSSIBLE:
                    cases.append((dialect, op, first, second))
    return cases


def build(api: Api, op: str, broken: set[str], known_id: str) -> requests.Response:
    """One request on `op` that breaks exactly the rules of `broken`."""
    contract = api.contract
    channel = contract.channels[0]
    method = {"lookup": "GET", "batch": "GET", "send": "POST"}[op]
    if "method_not_allowed" in broken:
        method = {"lookup": "POST", "batch": "DELETE", "send": "GET"}[op]
    path = {
        "lookup": api.lookup_path("GW-unknown" if "not_found" in broken else known_id),
        "batch": contract.batch_path,
        "send": contract.send_paths[channel],
    }[op]
    if "path_not_found" in broken:
        path = "/partner-gateway/v1/nope"
    params = api.channel_params("bogus" if "bad_request" in broken else channel)
    if op == "batch":
        params[contract.batch.ids_param] = known_id
    data: bytes | None = None
    if op == "send":
        params = {}
        data = b"{not json" if "bad_request" in broken else json.dumps(api.send_body()).encode()
    if "payload_too_large" in broken:
        data = b"x" * (contract.send.body_max_bytes + 1)
    key = None if "unauthorized" in broken else KEY_A
    return api.request(method, api.url(path), params=params, data=data, headers=api.auth(key))


@pytest.mark.parametrize(
    ("dialect", "op", "first", "second"),
    precedence_cases(),
    ids=[f"{d}-{op}-{a}-over-{b}" for d, op, a, b in precedence_cases()],
)
def test_error_precedence(simulator: Simulator, api: Api, op: str, first: str, second: str) -> None:
    contract = api.contract
    known_id = api.sent(contract.channels[0])
    if contract.rate_limits.enabled:
        # A fresh limiter of one request a minute: the first request of a key passes, the next is 429.
        simulator.set_rate_limit(RateLimit(per_minute=1))
        if "too_many_requests" in (first, second):
            assert api.lookup(known_id, contract.channels[0]).status_code == 200
    answer = build(api, op, {first, second}, known_id)
    expected = contract.precedence.code(first)
    api.assert_error(answer, expected)
    # ... and each rule alone is refused with its own code (the case is what it claims).
    for role in (first, second):
        if contract.rate_limits.enabled:
            simulator.set_rate_limit(RateLimit(per_minute=1))
            if role == "too_many_requests":
                assert api.lookup(known_id, contract.channels[0]).status_code == 200
        api.assert_error(build(api, op, {role}, known_id), contract.precedence.code(role))


def test_the_cases_cover_every_pair_of_the_order() -> None:
    for dialect in DIALECTS:
        order = resolve_contract(dialect).precedence.order
        covered = {frozenset({a, b}) for d, _, a, b in precedence_cases() if d == dialect}
        expected = {frozenset(pair) for pair in combinations(order, 2)} - IMPOSSIBLE
        assert covered == expected, dialect


def test_a_request_breaking_nothing_is_answered(api: Api) -> None:
    known_id = api.sent(api.contract.channels[0])
    for op, code in (("lookup", 200), ("batch", 200), ("send", api.created)):
        assert build(api, op, set(), known_id).status_code == code
