"""Auth: Bearer keys identify companies; missing or unknown keys are 401 on every operation."""

from __future__ import annotations

import pytest

from gatewatch.simulator import DEFAULT_API_KEYS, Simulator, SimulatorConfig

from .client import Api


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Bearer nope", "Basic a2V5LWE=", "key-a", "Bearer key-a-x"],
)
def test_missing_or_unknown_keys_are_401_everywhere(api: Api, header: str | None) -> None:
    channel = api.contract.channels[0]
    message_id = api.sent(channel)
    headers = {} if header is None else {api.contract.auth_header: header}
    answers = [
        api.request(
            "POST",
            api.url(api.contract.send_paths[channel]),
            json={"to": "+391234567890", "text": "x"},
            headers=headers,
        ),
        api.request("GET", api.lookup_url(message_id), params={"channel": channel}, headers=headers),
        api.request(
            "GET",
            api.url(api.contract.batch_path),
            params={"channel": channel, "customerMessageIds": message_id},
            headers=headers,
        ),
    ]
    for answer in answers:
        assert answer.status_code == 401
        assert api.contract.schema_errors("error-body.json", answer.json()) == []


def test_default_keys_are_two_companies(api: Api) -> None:
    assert dict(DEFAULT_API_KEYS) == {"key-a": "A", "key-b": "B"}
    channel = api.contract.channels[0]
    for key in DEFAULT_API_KEYS:
        message_id = api.sent(channel, key=key)
        assert api.lookup(message_id, channel, key=key).status_code == 200


def test_scheme_is_case_insensitive_and_spacing_tolerated(api: Api) -> None:
    channel = api.contract.channels[0]
    message_id = api.sent(channel)
    for value in ("bearer key-a", "BEARER key-a", "Bearer   key-a"):
        answer = api.request(
            "GET",
            api.lookup_url(message_id),
            params={"channel": channel},
            headers={api.contract.auth_header: value},
        )
        assert answer.status_code == 200, value


def test_extra_keys_by_configuration() -> None:
    config = SimulatorConfig(extra_api_keys={"key-c": "C", "key-a2": "A"})
    with Simulator(config) as sim:
        api = Api(sim)
        try:
            channel = sim.contract.channels[0]
            from_c = api.sent(channel, key="key-c")
            assert api.lookup(from_c, channel, key="key-c").status_code == 200
            assert api.lookup(from_c, channel, key="key-a").status_code == 404
            # Two keys of one company see the same messages.
            from_a = api.sent(channel, key="key-a")
            assert api.lookup(from_a, channel, key="key-a2").status_code == 200
        finally:
            api.close()
