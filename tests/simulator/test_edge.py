"""The HTTP edge: targets and headers over the simulator's limits get 414 and 431 in the error body.

gateway-api.md allows 414 or 431 past the server's size limits, in the error body; uvicorn
alone answered a target over 64 KiB with `400 text/plain` and took headers of any size.
"""

from __future__ import annotations

import pytest
import requests

from gatewatch.core.errors import ConfigError
from gatewatch.simulator import SimulatorConfig
from gatewatch.simulator.config import MAX_TARGET_BYTES

from .client import KEY_A, TIMEOUT, Api


def test_a_batch_past_the_target_limit_is_414_with_the_error_body(api: Api) -> None:
    limit = api.sim.config.max_target_bytes
    ids = [f"id-{n:06d}" for n in range(limit // 10 + 1)]  # about 70 KiB of query
    answer = api.batch(ids, "SMS")
    api.assert_error(answer, api.contract.codes.uri_too_long)
    assert answer.headers["connection"] == "close"


def test_a_lookup_past_the_target_limit_is_414_with_the_error_body(api: Api) -> None:
    answer = api.lookup("x" * (api.sim.config.max_target_bytes + 1), "SMS")
    api.assert_error(answer, api.contract.codes.uri_too_long)


def test_a_target_at_the_limit_is_served(api: Api) -> None:
    path = api.lookup_path("")
    query = "?" + api.channel_query("SMS")
    room = api.sim.config.max_target_bytes - len(api.sim.config.base_path + path + query)
    target = api.sim.config.base_path + path + "x" * room + query
    assert len(target) == api.sim.config.max_target_bytes
    answer = api.request("GET", api.sim.url + target, headers=api.auth(KEY_A))
    api.assert_error(answer, api.contract.codes.not_found)


def test_headers_past_the_limit_are_431_with_the_error_body(api: Api) -> None:
    big = {"X-Padding": "p" * api.sim.config.max_header_bytes}
    answer = api.request(
        "GET", api.lookup_url("x"), params=api.channel_params("SMS"), headers={**api.auth(KEY_A), **big}
    )
    api.assert_error(answer, api.contract.codes.headers_too_large)


def test_the_simulator_serves_on_after_a_refusal(api: Api) -> None:
    with requests.Session() as session:
        refused = session.get(api.lookup_url("x" * (api.sim.config.max_target_bytes + 1)), timeout=TIMEOUT)
        assert refused.status_code == api.contract.codes.uri_too_long
        answer = session.get(
            api.lookup_url("x"), params=api.channel_params("SMS"), headers=api.auth(KEY_A), timeout=TIMEOUT
        )
    api.assert_error(answer, api.contract.codes.not_found)


@pytest.mark.parametrize(
    ("setting", "value"),
    [("max_target_bytes", MAX_TARGET_BYTES + 1), ("max_target_bytes", 0), ("max_header_bytes", -1)],
)
def test_limits_the_http_layer_cannot_keep_are_refused(setting: str, value: int) -> None:
    with pytest.raises(ConfigError, match=setting):
        SimulatorConfig(**{setting: value})
