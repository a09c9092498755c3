"""Where the webhook receiver listens (`HOST:PORT`) and the URL the gateway is told to call.

The two differ behind a tunnel or an ingress: the receiver binds a local address, the
gateway calls a public one. Without a public URL the callback is the bound address itself,
which only works when the gateway can reach it (a simulator on the same machine). Nothing
here resolves a name or opens a socket: these are checks of the text the user gave.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from gatewatch.core.errors import ConfigError

_MAX_PORT = 65535
# A DNS name: dot-separated labels of letters, digits and inner hyphens.
_HOSTNAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?")
_SCHEMES = ("http", "https")


@dataclass(frozen=True, slots=True)
class ListenAddress:
    """A host and port to bind (port 0: any free port, read back from the bound server)."""

    host: str
    port: int

    @property
    def ipv6(self) -> bool:
        """True when the host is an IPv6 literal (bound with AF_INET6, bracketed in URLs)."""
        return ":" in self.host

    @property
    def wildcard(self) -> bool:
        """True for 0.0.0.0 or ::, which no gateway can call back."""
        try:
            return ipaddress.ip_address(self.host).is_unspecified
        except ValueError:
            return False

    def url(self, port: int | None = None) -> str:
        """`http://host:port` (the port bound, when given: port 0 binds a free one)."""
        host = f"[{self.host}]" if self.ipv6 else self.host
        return f"http://{host}:{self.port if port is None else port}"


def parse_listen(value: str, *, key: str | None = None) -> ListenAddress:
    """`HOST:PORT` (an IPv6 host in brackets, `[::1]:8080`) as a ListenAddress; ConfigError if not."""
    text = value.strip()
    host, sep, port_text = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        valid_host = _is_ipv6(host)
    else:
        valid_host = _is_ipv4(host) or _is_hostname(host)
    if not sep or not valid_host or not port_text.isdigit() or int(port_text) > _MAX_PORT:
        raise ConfigError(
            f"expected HOST:PORT (127.0.0.1:8080, [::1]:8080; port 0 picks a free one), got {value!r}",
            key=key,
        )
    return ListenAddress(host, int(port_text))


def parse_public_url(value: str, *, key: str | None = None) -> str:
    """The URL the gateway should call (`http(s)://host[:port][/path]`), as given; ConfigError if not."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError on a port out of range or not a number
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in _SCHEMES or not parts.hostname or port == 0:
        raise ConfigError(f"expected an http:// or https:// URL with a host, got {value!r}", key=key)
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise ConfigError(f"a callback URL carries no credentials or #fragment, got {value!r}", key=key)
    return text


def callback_url(listen: ListenAddress, public_url: str | None, bound_port: int) -> str:
    """The URL to register: the public one when given, else the bound address (`http://HOST:PORT`).

    A wildcard host (0.0.0.0, ::) is where to bind, not an address anyone can call, so it
    needs a public URL.
    """
    require_callable(listen, public_url)
    return public_url if public_url is not None else listen.url(bound_port)


def require_callable(
    listen: ListenAddress, public_url: str | None, *, key: str | None = None, public_flag: str | None = None
) -> None:
    """ConfigError when nothing could call the receiver back: a wildcard host and no public URL.

    `key` and `public_flag` name the flags, for a check made before anything is sent.
    """
    if public_url is None and listen.wildcard:
        how = f"give the URL that forwards to it with {public_flag}" if public_flag else "give the public URL"
        raise ConfigError(f"the receiver listens on {listen.host}, which no gateway can call: {how}", key=key)


def _is_hostname(host: str) -> bool:
    # All digits and dots is an IPv4 address or nothing (999.1.1.1 is not a name).
    numeric = host.replace(".", "").isdigit()
    return not numeric and _HOSTNAME.fullmatch(host) is not None


def _is_ipv4(host: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(host), ipaddress.IPv4Address)
    except ValueError:
        return False


def _is_ipv6(host: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address)
    except ValueError:
        return False
