"""Unknown paths, wrong methods, and which error wins when a request breaks several rules."""

from __future__ import annotations

import pytest

from gatewatch.checks import expect_error_answer, expect_status
from gatewatch.suite import SuiteSession

API = "/partner-gateway/v1"


def _lookup_path(gw: SuiteSession, message_id: str) -> str:
    return gw.contract.lookup_path.replace("{customerMessageId}", message_id)


@pytest.mark.gw_rules("error_body", "content_type_json")
def test_unknown_path_is_404_with_the_error_body(gw: SuiteSession) -> None:
    for path in (
        f"{API}/nothing-here",
        f"{API}/messages/statuses/x",
        "/partner-gateway/v2/messages/status/x",
    ):
        exchange = gw.client.request("GET", path, params={"channel": gw.contract.channels[0]})
        gw.verify(exchange, expect_error_answer(exchange, gw.contract, "error_body", {404}, f"GET {path}"))


@pytest.mark.gw_rules("error_body", "content_type_json")
def test_wrong_method_is_405_with_the_error_body(gw: SuiteSession) -> None:
    channel = gw.contract.channels[0]
    cases = [
        ("DELETE", _lookup_path(gw, "x"), {"channel": channel}),
        ("POST", _lookup_path(gw, "x"), {"channel": channel}),
        ("PUT", gw.contract.send_paths[channel], {}),
        ("GET", gw.contract.send_paths[channel], {}),
        ("POST", gw.contract.batch_path, {"channel": channel, "customerMessageIds": "x"}),
    ]
    for method, path, params in cases:
        exchange = gw.client.request(method, path, params=params)
        gw.verify(
            exchange, expect_error_answer(exchange, gw.contract, "error_body", {405}, f"{method} {path}")
        )


@pytest.mark.gw_rules("error_precedence")
def test_the_documented_error_wins(gw: SuiteSession) -> None:
    contract = gw.contract
    channel = contract.channels[0]
    too_big = b"{" + b" " * (contract.send_body_max_bytes + 16) + b"}"
    cases = [
        # (why, client, method, path, params, body, expected)
        (
            "no key and a bad channel: 401 before 400",
            gw.anonymous,
            "GET",
            _lookup_path(gw, "x"),
            {"channel": channel.lower()},
            None,
            401,
        ),
        ("no key and no channel: 401 before 400", gw.anonymous, "GET", _lookup_path(gw, "x"), {}, None, 401),
        (
            "no key on an unknown path: 404 before 401",
            gw.anonymous,
            "GET",
            f"{API}/nothing-here",
            {},
            None,
            404,
        ),
        (
            "no key and a wrong method: 405 before 401",
            gw.anonymous,
            "DELETE",
            _lookup_path(gw, "x"),
            {"channel": channel},
            None,
            405,
        ),
        (
            "a bad channel and a wrong method: 405 before 400",
            gw.client,
            "DELETE",
            _lookup_path(gw, "x"),
            {"channel": "nope"},
            None,
            405,
        ),
        (
            "an oversized body with no key: 413 before 401",
            gw.anonymous,
            "POST",
            contract.send_paths[channel],
            {},
            too_big,
            413,
        ),
        (
            "an oversized invalid body: 413 before 400",
            gw.client,
            "POST",
            contract.send_paths[channel],
            {},
            too_big,
            413,
        ),
        (
            "a bad channel and an unknown id: 400 before 404",
            gw.client,
            "GET",
            _lookup_path(gw, "nope"),
            {"channel": "nope"},
            None,
            400,
        ),
        (
            "a batch with no key and no ids: 401 before 400",
            gw.anonymous,
            "GET",
            contract.batch_path,
            {"channel": channel},
            None,
            401,
        ),
    ]
    for why, client, method, path, params, body, code in cases:
        headers = {"Content-Type": contract.json_content_type} if body is not None else None
        exchange = client.request(method, path, params=params, body=body, headers=headers)
        gw.verify(exchange, expect_status(exchange, contract, "error_precedence", {code}, why))
