"""A small HTTP client for the simulator's tests: every call has a timeout, every name is the contract's."""

from __future__ import annotations

import base64
import http.client
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import requests

from gatewatch.contract import Contract
from gatewatch.simulator import Simulator
from gatewatch.simulator.names import BASIC_HEADER, send_success_code

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


def basic_value(user: str, password: str) -> str:
    """An `Authorization: Basic` value."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def error_problems(contract: Contract, status: int, body: object) -> list[str]:
    """Why `body` is not the contract's error body for a `status` answer (empty when it is)."""
    schema = contract.rate_limits.body_schema if status == contract.codes.too_many_requests else None
    problems = contract.schema_errors(schema or contract.error.schema, body)
    field = contract.error.status_field
    if field is not None and isinstance(body, dict) and body.get(field) != status:
        problems.append(f"{field} is {body.get(field)!r}, not {status}")
    return problems


class Api:
    """Calls the simulator's API the way a client of the real gateway would, in the contract's names."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.contract = sim.contract
        self.fields = sim.contract.fields
        self.created = send_success_code(sim.contract)
        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    # -- helpers ------------------------------------------------------------------------

    def auth(self, key: str | None) -> dict[str, str]:
        if key is None:
            return {}
        return {self.contract.auth.header: self.contract.auth.value(key)}

    def basic(self, user: str, password: str = "anything") -> dict[str, str]:
        return {BASIC_HEADER: basic_value(user, password)}

    def number(self, outcome: str | None = None) -> str:
        """A recipient number with the outcome's suffix (the default recipient for None)."""
        if outcome is None:
            return DEFAULT_NUMBER
        return "+39123456" + self.contract.recipients[outcome].suffix

    def send_body(
        self, to: object = DEFAULT_NUMBER, text: object = "hello", **extra: object
    ) -> dict[str, object]:
        return {self.contract.send.destination: to, self.contract.send.text: text, **extra}

    def url(self, path: str) -> str:
        return self.sim.base_url + path

    def lookup_path(self, raw_id: str) -> str:
        prefix, _, suffix = self.contract.lookup_path.partition("{" + self.contract.id_param + "}")
        return prefix + raw_id + suffix

    def lookup_url(self, message_id: str, *, encode: bool = True) -> str:
        return self.url(self.lookup_path(quote(message_id, safe="") if encode else message_id))

    def channel_query(self, channel: str | None = None) -> str:
        """`channel=X` (the first channel by default), for a raw request target."""
        return f"{self.contract.channel_param}={channel or self.contract.channels[0]}"

    def channel_params(self, channel: str | None) -> dict[str, str]:
        return {} if channel is None else {self.contract.channel_param: channel}

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
        dry_run: bool = False,
        **kwargs: Any,
    ) -> requests.Response:
        payload = self.send_body(to or DEFAULT_NUMBER, text) if body is None else body
        if dry_run:
            assert self.contract.send.dry_run is not None, "this dialect has no dry run"
            payload = {**payload, self.contract.send.dry_run: True}
        headers = {**self.auth(key), **kwargs.pop("headers", {})}
        return self.request(
            "POST", self.url(self.contract.send_paths[channel]), json=payload, headers=headers, **kwargs
        )

    def sent(self, channel: str, to: str | None = None, *, key: str | None = KEY_A) -> str:
        """Send and return the new id (asserting success)."""
        answer = self.send(channel, to, key=key)
        assert answer.status_code == self.created, answer.text
        message_id: str = answer.json()[self.contract.send.id]
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
        return self.request(
            "GET",
            self.lookup_url(message_id, encode=encode),
            params=self.channel_params(channel),
            headers={**self.auth(key), **(headers or {})},
        )

    def batch(
        self,
        ids: Iterable[str] | None,
        channel: str | None,
        *,
        key: str | None = KEY_A,
        raw: str | None = None,
    ) -> requests.Response:
        params = self.channel_params(channel)
        if ids is not None or raw is not None:
            params[self.contract.batch.ids_param] = (
                raw if raw is not None else self.contract.batch.separator.join(ids or ())
            )
        return self.request("GET", self.url(self.contract.batch_path), params=params, headers=self.auth(key))

    def entries(self, body: Any) -> list[dict[str, Any]]:
        """The found entries of a batch answer, whatever its shape."""
        if self.contract.batch.array:
            return list(body)
        return list(body[self.contract.batch.statuses])

    def not_found(self, body: Any) -> list[str]:
        """The not-found list of a batch answer ([] for an array, which leaves them out)."""
        if self.contract.batch.array:
            return []
        return list(body[self.contract.batch.not_found])

    def found_ids(self, body: Any) -> list[str]:
        return [entry[self.fields.id] for entry in self.entries(body)]

    def status(self, message_id: str, channel: str, *, key: str | None = KEY_A) -> str:
        answer = self.lookup(message_id, channel, key=key)
        assert answer.status_code == self.contract.codes.ok, answer.text
        status: str = answer.json()[self.fields.status]
        return status

    def assert_error(self, answer: requests.Response, status: int) -> dict[str, Any]:
        """Assert `answer` is `status` with the contract's error body; return the body."""
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == self.contract.json_content_type
        body: dict[str, Any] = answer.json()
        assert error_problems(self.contract, status, body) == []
        return body

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
