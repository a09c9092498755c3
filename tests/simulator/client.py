"""A small HTTP client for the simulator's tests: every call has a timeout."""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import requests

from gatewatch.simulator import Simulator

TIMEOUT = 5.0
KEY_A, KEY_B = "key-a", "key-b"
DEFAULT_NUMBER = "+391234567890"

T = TypeVar("T")


def wait_until(check: Callable[[], T | None], timeout: float = 5.0, interval: float = 0.01) -> T:
    """Poll `check` until it returns something truthy; fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def raw_request(
    root_url: str, method: str, target: str, headers: Mapping[str, str] | None = None
) -> tuple[int, str | None, bytes]:
    """Send a request target and headers exactly as given (requests would re-quote or refuse).

    Header values go out as Latin-1 bytes. Returns (status, content type, body).
    """
    parts = urlsplit(root_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=TIMEOUT)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value.encode("latin-1"))
        connection.endheaders()
        answer = connection.getresponse()
        return answer.status, answer.getheader("content-type"), answer.read()
    finally:
        connection.close()


class Api:
    """Calls the simulator's API the way a client of the real gateway would."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.contract = sim.contract
        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    # -- helpers ------------------------------------------------------------------------

    def auth(self, key: str | None) -> dict[str, str]:
        if key is None:
            return {}
        return {self.contract.auth_header: f"{self.contract.auth_scheme} {key}"}

    def number(self, outcome: str | None = None) -> str:
        """A recipient number with the outcome's suffix (the default recipient for None)."""
        if outcome is None:
            return DEFAULT_NUMBER
        return "+39123456" + self.contract.recipients[outcome].suffix

    def url(self, path: str) -> str:
        return self.sim.base_url + path

    def lookup_url(self, message_id: str, *, encode: bool = True) -> str:
        prefix, _, suffix = self.contract.lookup_path.partition("{customerMessageId}")
        raw = quote(message_id, safe="") if encode else message_id
        return self.url(prefix + raw + suffix)

    # -- operations ---------------------------------------------------------------------

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.request(method, url, **kwargs)

    def send(
        self,
        channel: str,
        to: str | None = None,
        *,
        key: str | None = KEY_A,
        text: str = "hello",
        body: Any = None,
        **kwargs: Any,
    ) -> requests.Response:
        payload = {"to": to or DEFAULT_NUMBER, "text": text} if body is None else body
        return self.request(
            "POST",
            self.url(self.contract.send_paths[channel]),
            json=payload,
            headers=self.auth(key),
            **kwargs,
        )

    def sent(self, channel: str, to: str | None = None, *, key: str | None = KEY_A) -> str:
        """Send and return the new id (asserting success)."""
        answer = self.send(channel, to, key=key)
        assert answer.status_code == 201, answer.text
        message_id: str = answer.json()["customerMessageId"]
        return message_id

    def lookup(
        self,
        message_id: str,
        channel: str | None,
        *,
        key: str | None = KEY_A,
        encode: bool = True,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        params = {} if channel is None else {"channel": channel}
        return self.request(
            "GET",
            self.lookup_url(message_id, encode=encode),
            params=params,
            headers={**self.auth(key), **(headers or {})},
        )

    def batch(self, ids: Iterable[str], channel: str | None, *, key: str | None = KEY_A) -> requests.Response:
        params = {"customerMessageIds": self.contract.batch_separator.join(ids)}
        if channel is not None:
            params["channel"] = channel
        return self.request("GET", self.url(self.contract.batch_path), params=params, headers=self.auth(key))

    def status(self, message_id: str, channel: str, *, key: str | None = KEY_A) -> str:
        answer = self.lookup(message_id, channel, key=key)
        assert answer.status_code == 200, answer.text
        status: str = answer.json()["deliveryStato"]
        return status

    def wait_final(self, message_id: str, channel: str, timeout: float = 5.0) -> str:
        """Poll single lookups until the message shows a final status; return it."""

        def final() -> str | None:
            status = self.status(message_id, channel)
            return status if self.contract.is_final(status) else None

        return wait_until(final, timeout)

    def wait_settled(self, message_id: str, timeout: float = 5.0) -> None:
        """Wait (by the true timeline) until the message has reached its last step."""
        message = self.sim.message(message_id)
        assert message is not None
        wait_until(lambda: time.time() >= message.settles_at, timeout)
