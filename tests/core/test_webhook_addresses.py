"""The receiver's listen address (HOST:PORT) and the callback URL the gateway is told to call."""

from __future__ import annotations

import pytest

from gatewatch.core.errors import ConfigError
from gatewatch.core.webhooks import ListenAddress, callback_url, parse_listen, parse_public_url


@pytest.mark.parametrize(
    ("value", "host", "port"),
    [
        ("127.0.0.1:8080", "127.0.0.1", 8080),
        ("0.0.0.0:0", "0.0.0.0", 0),
        ("localhost:65535", "localhost", 65535),
        ("hooks.example.internal:9000", "hooks.example.internal", 9000),
        ("[::1]:8080", "::1", 8080),
        ("[::]:80", "::", 80),
        (" 127.0.0.1:1 ", "127.0.0.1", 1),
    ],
)
def test_a_listen_address_is_read(value: str, host: str, port: int) -> None:
    assert parse_listen(value) == ListenAddress(host, port)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "8080",
        "127.0.0.1",
        "127.0.0.1:",
        ":8080",
        "127.0.0.1:65536",
        "127.0.0.1:-1",
        "127.0.0.1:http",
        "999.1.1.1:80",
        "::1:8080",
        "[::1:8080",
        "[127.0.0.1]:80",
        "host name:80",
        "http://127.0.0.1:80",
        "-bad-.example:80",
    ],
)
def test_a_bad_listen_address_is_one_config_error_naming_the_value(value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_listen(value, key="--webhook-listen")
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("--webhook-listen: expected HOST:PORT") and repr(value) in message


@pytest.mark.parametrize(
    "value",
    ["https://hooks.example.com/gw", "http://127.0.0.1:8080", "https://[2001:db8::1]:8443/cb?x=1"],
)
def test_a_public_url_is_kept_as_given(value: str) -> None:
    assert parse_public_url(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "hooks.example.com",
        "ftp://hooks.example.com",
        "https://",
        "https://hooks.example.com:99999/",
        "https://hooks.example.com:0/",
        "https://user:pw@hooks.example.com/",
        "https://hooks.example.com/#frag",
    ],
)
def test_a_bad_public_url_is_one_config_error(value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_public_url(value, key="--webhook-public-url")
    message = str(raised.value)
    assert "\n" not in message and message.startswith("--webhook-public-url: ")


def test_the_callback_is_the_public_url_when_given() -> None:
    listen = ListenAddress("0.0.0.0", 8080)
    assert callback_url(listen, "https://hooks.example.com/gw", 8080) == "https://hooks.example.com/gw"


@pytest.mark.parametrize(
    ("listen", "expected"),
    [
        (ListenAddress("127.0.0.1", 0), "http://127.0.0.1:41234"),
        (ListenAddress("::1", 0), "http://[::1]:41234"),
        (ListenAddress("hooks.local", 41234), "http://hooks.local:41234"),
    ],
)
def test_without_a_public_url_the_callback_is_the_bound_address(listen: ListenAddress, expected: str) -> None:
    assert callback_url(listen, None, 41234) == expected


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_a_wildcard_listen_address_needs_a_public_url(host: str) -> None:
    with pytest.raises(ConfigError, match="no gateway can call"):
        callback_url(ListenAddress(host, 8080), None, 8080)
