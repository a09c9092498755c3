"""Auth: the contract's key header (X-Api-Key alone, or Bearer), Basic where accepted; else 401."""

from __future__ import annotations

import pytest

from gatewatch.contract import resolve_contract
from gatewatch.simulator import DEFAULT_API_KEYS, Simulator, SimulatorConfig
from gatewatch.simulator.names import BASIC_HEADER

from .client import KEY_A, Api, basic_value


def bad_values(api: Api) -> list[str | None]:
    """Values of the key header that carry no known key, in this dialect's form and others."""
    auth = api.contract.auth
    other_form = "key-a" if auth.scheme else "Bearer key-a"
    return [
        None,
        "",
        auth.value(""),
        auth.value("nope"),
        auth.value("key-a-x"),
        other_form,
        basic_value(KEY_A, "x"),
    ]


def answers(api: Api, headers: dict[str, str], message_id: str) -> list[int]:
    channel = api.contract.channels[0]
    ids = api.contract.batch.ids_param
    return [
        api.request(
            "POST", api.url(api.contract.send_paths[channel]), json=api.send_body(), headers=headers
        ).status_code,
        api.request(
            "GET", api.lookup_url(message_id), params=api.channel_params(channel), headers=headers
        ).status_code,
        api.request(
            "GET",
            api.url(api.contract.batch_path),
            params={**api.channel_params(channel), ids: message_id},
            headers=headers,
        ).status_code,
    ]


def test_missing_or_unknown_keys_are_401_everywhere(api: Api) -> None:
    channel = api.contract.channels[0]
    message_id = api.sent(channel)
    unauthorized = api.contract.codes.unauthorized
    for value in bad_values(api):
        headers = {} if value is None else {api.contract.auth.header: value}
        for code in answers(api, headers, message_id):
            assert code == unauthorized, value
        answer = api.lookup(message_id, channel, key=None, headers=headers)
        api.assert_error(answer, unauthorized)


def test_the_key_header_identifies_the_company(api: Api) -> None:
    channel = api.contract.channels[0]
    message_id = api.sent(channel)
    auth = api.contract.auth
    assert (
        api.lookup(message_id, channel, headers={auth.header: auth.value(KEY_A)}, key=None).status_code == 200
    )
    assert answers(api, api.auth(KEY_A), message_id) == [api.created, 200, 200]


@pytest.mark.parametrize("dialect", ["vendor"])
def test_basic_auth_user_is_the_key_and_any_password(api: Api) -> None:
    assert api.contract.auth.basic
    channel = api.contract.channels[0]
    message_id = api.sent(channel)
    for password in ("anything", "", "with:colons"):
        headers = api.basic(KEY_A, password)
        assert answers(api, headers, message_id) == [api.created, 200, 200], password
    # ... and the other company's key is the other company.
    assert api.lookup(message_id, channel, key=None, headers=api.basic("key-b")).status_code == 404


def test_basic_auth_user_colon_password_may_be_the_key() -> None:
    contract = resolve_contract("vendor")
    with Simulator(SimulatorConfig(extra_api_keys={"acct:secret": "C"}), contract=contract) as sim:
        api = Api(sim)
        try:
            channel = contract.channels[0]
            sent = api.send(channel, key=None, headers=api.basic("acct", "secret"))
            assert sent.status_code == api.created, sent.text
            message_id = sent.json()[contract.send.id]
            assert (
                api.lookup(message_id, channel, key=None, headers=api.basic("acct", "secret")).status_code
                == 200
            )
        finally:
            api.close()


@pytest.mark.parametrize("dialect", ["vendor"])
@pytest.mark.parametrize(
    "value", ["Basic", "Basic ", "Basic !!!notbase64", "Basic " + "bm9wZTp4", "Bearer key-a", "Digest key-a"]
)
def test_bad_basic_credentials_are_401(api: Api, value: str) -> None:
    # bm9wZTp4 is base64("nope:x"): a user that is no key.
    answer = api.lookup("GW-x", api.contract.channels[0], key=None, headers={BASIC_HEADER: value})
    api.assert_error(answer, api.contract.codes.unauthorized)


@pytest.mark.parametrize("dialect", ["strict"])
def test_basic_auth_is_refused_where_the_dialect_has_none(api: Api) -> None:
    assert not api.contract.auth.basic
    answer = api.lookup("GW-x", api.contract.channels[0], key=None, headers=api.basic(KEY_A))
    api.assert_error(answer, api.contract.codes.unauthorized)


def test_default_keys_are_two_companies(api: Api) -> None:
    assert dict(DEFAULT_API_KEYS) == {"key-a": "A", "key-b": "B"}
    channel = api.contract.channels[0]
    for key in DEFAULT_API_KEYS:
        message_id = api.sent(channel, key=key)
        assert api.lookup(message_id, channel, key=key).status_code == 200


def test_scheme_is_case_insensitive_and_spacing_tolerated(api: Api) -> None:
    auth = api.contract.auth
    channel = api.contract.channels[0]
    message_id = api.sent(channel)
    if not auth.scheme:
        # The key alone: a scheme in front of it makes another, unknown, key.
        answer = api.request(
            "GET",
            api.lookup_url(message_id),
            params=api.channel_params(channel),
            headers={auth.header: f"Bearer {KEY_A}"},
        )
        api.assert_error(answer, api.contract.codes.unauthorized)
        return
    scheme = auth.scheme
    for value in (f"{scheme.lower()} key-a", f"{scheme.upper()} key-a", f"{scheme}   key-a"):
        answer = api.request(
            "GET",
            api.lookup_url(message_id),
            params=api.channel_params(channel),
            headers={auth.header: value},
        )
        assert answer.status_code == 200, value


def test_trailing_spaces_around_a_bare_key_are_tolerated(api: Api) -> None:
    auth = api.contract.auth
    channel = api.contract.channels[0]
    message_id = api.sent(channel)
    answer = api.lookup(message_id, channel, key=None, headers={auth.header: auth.value(KEY_A) + "  "})
    assert answer.status_code == 200


def test_extra_keys_by_configuration(dialect: str) -> None:
    config = SimulatorConfig(extra_api_keys={"key-c": "C", "key-a2": "A"})
    with Simulator(config, contract=resolve_contract(dialect)) as sim:
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
