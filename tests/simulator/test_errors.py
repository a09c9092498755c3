"""Error answers: the JSON error body everywhere, unknown paths, 405, and which error wins."""

from __future__ import annotations

import json

import pytest
import requests

from .client import DEFAULT_NUMBER, Api


def assert_error_body(api: Api, answer: requests.Response, status: int) -> dict[str, str]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    body: dict[str, str] = answer.json()
    assert api.contract.schema_errors("error-body.json", body) == []
    return body


@pytest.mark.parametrize(
    "path", ["/", "/nope", "/partner-gateway/v1", "/partner-gateway/v2/sms/messages", "/x/" * 50]
)
def test_unknown_paths_are_404_with_the_error_body(api: Api, path: str) -> None:
    for method in ("GET", "POST", "DELETE"):
        assert_error_body(api, api.request(method, api.url(path), headers=api.auth("key-a")), 404)


def test_paths_outside_the_base_are_404(api: Api) -> None:
    lookup = api.contract.lookup_path.replace("{customerMessageId}", "x")
    answer = api.request("GET", api.sim.url + lookup, params={"channel": "SMS"})
    assert_error_body(api, answer, 404)


def test_control_paths_are_unknown_unless_enabled(api: Api) -> None:
    for path in ("/_control/faults", "/_control/reset"):
        assert_error_body(api, api.request("POST", api.sim.url + path, json={}), 404)


def test_wrong_methods_are_405_with_allow(api: Api) -> None:
    contract = api.contract
    cases = [(path, "GET") for path in contract.send_paths.values()]
    cases += [(contract.lookup_path.replace("{customerMessageId}", "x"), "POST")]
    cases += [(contract.batch_path, "DELETE"), (contract.batch_path, "PUT")]
    for path, method in cases:
        answer = api.request(method, api.url(path), headers=api.auth("key-a"))
        assert_error_body(api, answer, 405)
        assert answer.headers["allow"]
        assert method not in answer.headers["allow"]


def test_every_error_status_has_the_error_body(api: Api) -> None:
    channel = api.contract.channels[0]
    send_path = api.url(api.contract.send_paths[channel])
    too_big = b"x" * (api.contract.send_body_max_bytes + 1)
    assert_error_body(api, api.request("POST", send_path, data=too_big), 413)
    assert_error_body(api, api.lookup("x", channel, key=None), 401)
    assert_error_body(api, api.lookup("x", None), 400)
    assert_error_body(api, api.lookup("x", channel), 404)


# Each row breaks two rules at once; the pinned precedence says which answer wins.
PRECEDENCE = [
    ("413 over unknown path", "POST", "/nope", "big", None, None, 413),
    ("413 over 405", "PUT", "{batch}", "big", None, None, 413),
    ("413 over 401", "POST", "{send}", "big", None, None, 413),
    ("413 over 400", "POST", "{send}", "big", "key-a", None, 413),
    ("404 path over 405", "DELETE", "/nope", None, "key-a", None, 404),
    ("404 path over 401", "GET", "/nope", None, None, None, 404),
    ("405 over 401", "POST", "{lookup}", None, None, None, 405),
    ("405 over 400", "POST", "{batch}", None, "key-a", None, 405),
    ("401 over 400 (channel)", "GET", "{lookup}", None, None, "bogus", 401),
    ("401 over 400 (bad key)", "GET", "{lookup}", None, "nope", "bogus", 401),
    ("401 over 400 (body)", "POST", "{send}", "bad", None, None, 401),
    ("401 over 404 id", "GET", "{lookup}", None, None, "ok", 401),
    ("400 over 404 id", "GET", "{lookup}", None, "key-a", "bogus", 400),
    ("400 over 404 id (no channel)", "GET", "{lookup}", None, "key-a", None, 400),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "key", "channel", "expected"),
    [row[1:] for row in PRECEDENCE],
    ids=[row[0] for row in PRECEDENCE],
)
def test_error_precedence(
    api: Api,
    method: str,
    path: str,
    body: str | None,
    key: str | None,
    channel: str | None,
    expected: int,
) -> None:
    contract = api.contract
    path = path.format(
        send=contract.send_paths[contract.channels[0]],
        lookup=contract.lookup_path.replace("{customerMessageId}", "GW-unknown"),
        batch=contract.batch_path,
    )
    data = {
        None: None,
        "big": json.dumps({"to": DEFAULT_NUMBER, "text": "x" * contract.send_body_max_bytes}),
        "bad": "{not json",
    }[body]
    params = {} if channel is None else {"channel": contract.channels[0] if channel == "ok" else channel}
    answer = api.request(method, api.url(path), data=data, params=params, headers=api.auth(key))
    assert_error_body(api, answer, expected)
