"""The webhook registration: one per company, the documented answers, precedence, reset."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from gatewatch.simulator import Simulator, SimulatorConfig

from .client import KEY_A, KEY_B, Api

HTTPS_URL = "https://receiver.example/hooks"


def call(
    api: Api, method: str, *, key: str | None = KEY_A, url: object = None, raw: bytes | None = None
) -> requests.Response:
    """`method` on the registration path; a POST or PUT carries `url` as the callback (or `raw`)."""
    kwargs: dict[str, Any] = {"headers": api.auth(key)}
    if raw is not None:
        kwargs["data"] = raw
        kwargs["headers"] = {**kwargs["headers"], "Content-Type": api.contract.json_content_type}
    elif method in ("POST", "PUT"):
        kwargs["json"] = {api.contract.webhooks.registration.callback_url: url}
    return api.request(method, api.url(api.contract.webhooks.registration.path), **kwargs)


def test_each_call_answers_the_documented_code_for_the_state(api: Api) -> None:
    codes, names = api.contract.codes, api.contract.webhooks.registration
    api.assert_error(call(api, "GET"), codes.not_found)
    api.assert_error(call(api, "PUT", url=HTTPS_URL), codes.not_found)  # PUT does not create
    api.assert_error(call(api, "DELETE"), codes.not_found)
    api.assert_error(call(api, "GET"), codes.not_found)

    created = call(api, "POST", url=HTTPS_URL)
    assert created.status_code == codes.created, created.text
    body = created.json()
    assert api.contract.schema_errors(names.schema, body) == []
    assert (body[names.callback_url], body[names.status]) == (HTTPS_URL, names.active)
    api.assert_error(call(api, "POST", url=HTTPS_URL + "/other"), codes.conflict)
    assert call(api, "GET").json() == body, "the 409 left the first registration as it was"

    moved = call(api, "PUT", url=HTTPS_URL + "/moved")
    assert moved.status_code == codes.ok
    assert moved.json() == {**body, names.callback_url: HTTPS_URL + "/moved"}

    gone = call(api, "DELETE")
    assert (gone.status_code, gone.content) == (codes.no_content, b"")
    assert "content-type" not in gone.headers
    api.assert_error(call(api, "GET"), codes.not_found)


def test_one_webhook_per_company(api: Api) -> None:
    codes = api.contract.codes
    assert call(api, "POST", url=HTTPS_URL).status_code == codes.created
    api.assert_error(call(api, "GET", key=KEY_B), codes.not_found)
    assert call(api, "POST", key=KEY_B, url=HTTPS_URL).status_code == codes.created


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        42,
        "receiver.example/hooks",
        "http://receiver.example/hooks",
        "http://127.0.0.1:9/hooks",
        "https://",
    ],
)
def test_a_missing_malformed_or_plain_http_callback_is_400(api: Api, url: object) -> None:
    codes = api.contract.codes
    api.assert_error(call(api, "POST", url=url), codes.bad_request)
    assert call(api, "POST", url=HTTPS_URL).status_code == codes.created
    api.assert_error(call(api, "PUT", url=url), codes.bad_request)
    assert call(api, "GET").json()[api.contract.webhooks.registration.callback_url] == HTTPS_URL


def test_a_body_that_is_not_json_is_400(api: Api) -> None:
    api.assert_error(call(api, "POST", raw=b"{not json"), api.contract.codes.bad_request)


def test_no_key_wins_over_a_bad_body_and_a_missing_registration(api: Api) -> None:
    unauthorized = api.contract.codes.unauthorized
    api.assert_error(call(api, "POST", key=None, url="http://nope"), unauthorized)
    api.assert_error(call(api, "PUT", key=None, url=HTTPS_URL), unauthorized)
    api.assert_error(call(api, "GET", key=None), unauthorized)
    api.assert_error(call(api, "DELETE", key=None), unauthorized)


def test_a_bad_body_wins_over_the_conflict_and_the_missing_registration(api: Api) -> None:
    codes = api.contract.codes
    api.assert_error(call(api, "PUT", url="http://nope"), codes.bad_request)
    assert call(api, "POST", url=HTTPS_URL).status_code == codes.created
    api.assert_error(call(api, "POST", url="http://nope"), codes.bad_request)


def test_another_method_is_405_naming_the_four(api: Api) -> None:
    answer = api.request("PATCH", api.url(api.contract.webhooks.registration.path), headers=api.auth(KEY_A))
    api.assert_error(answer, api.contract.codes.method_not_allowed)
    assert answer.headers["allow"] == "DELETE, GET, POST, PUT"


def test_reset_forgets_the_registrations(simulator: Simulator, api: Api) -> None:
    assert call(api, "POST", url=HTTPS_URL).status_code == api.contract.codes.created
    simulator.reset()
    api.assert_error(call(api, "GET"), api.contract.codes.not_found)


def test_plain_http_to_loopback_is_accepted_only_when_configured() -> None:
    loopback = "http://127.0.0.1:8123/hooks"
    with Simulator(config=SimulatorConfig(allow_http_loopback_webhooks=True)) as sim:
        api = Api(sim)
        codes = api.contract.codes
        api.assert_error(call(api, "POST", url="http://receiver.example/hooks"), codes.bad_request)
        created = call(api, "POST", url=loopback)
        assert created.status_code == codes.created, created.text
        assert created.json()[api.contract.webhooks.registration.callback_url] == loopback
        assert call(api, "PUT", key=KEY_A, url="http://localhost/x").status_code == codes.ok
        api.close()
