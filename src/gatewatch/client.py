"""The gateway client: send, single and batch lookup over a pooled requests.Session.

Every call has a (connect, read) timeout. A 500 is retried after the configured delays
(the doc: "retry the request after a short delay"), each one counted and kept on the
Exchange. The key goes on the wire only here; what the client records is redacted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NameResolutionError, NewConnectionError

from gatewatch.config import Target, Timeouts
from gatewatch.contract import Contract, default_contract
from gatewatch.errors import TargetUnreachable
from gatewatch.exchange import Exchange, Operation, RecordedRequest, RecordedResponse
from gatewatch.secrets import REDACTED, Secret, redact


class _Default:
    """Marker: use the client's own key."""


DEFAULT_KEY = _Default()
KeyChoice = Secret | None | _Default
ExchangeHook = Callable[[Exchange], None]


@dataclass(frozen=True, slots=True)
class ClientStats:
    """Counters a caller can read: requests made and 500s seen."""

    requests: int
    server_errors: int


class GatewayClient:
    """A client for one gateway: base URL, key, timeouts and the retry policy."""

    def __init__(
        self,
        base_url: str,
        api_key: Secret | None,
        *,
        contract: Contract | None = None,
        timeouts: Timeouts | None = None,
        retry_delays_s: Sequence[float] | None = None,
        auth_header: str | None = None,
        auth_scheme: str | None = None,
        pool_size: int = 10,
        sleep: Callable[[float], None] = time.sleep,
        on_exchange: ExchangeHook | None = None,
    ) -> None:
        self.contract = contract or default_contract()
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeouts = timeouts or Timeouts()
        self.retry_delays_s = tuple(
            self.contract.retry_delays_s if retry_delays_s is None else retry_delays_s
        )
        self.auth_header = auth_header or self.contract.auth_header
        self.auth_scheme = auth_scheme or self.contract.auth_scheme
        self._sleep = sleep
        self._hooks: list[ExchangeHook] = [on_exchange] if on_exchange else []
        self._known_secrets: list[Secret] = [api_key] if api_key else []
        self._requests = 0
        self._server_errors = 0
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    @classmethod
    def for_target(
        cls,
        target: Target,
        api_key: Secret | None,
        *,
        contract: Contract | None = None,
        base_url: str | None = None,
        **options: Any,
    ) -> GatewayClient:
        """A client with `target`'s timeouts, retry delays and auth header (`options` override).

        `base_url` stands in for the target's own (the embedded simulator's, say).
        """
        url = base_url or target.base_url
        if url is None:
            raise ValueError(f"target {target.name!r} has no base URL: start the simulator first")
        settings: dict[str, Any] = {
            "timeouts": target.timeouts,
            "retry_delays_s": target.retry_delays_s,
            "auth_header": target.auth_header,
            "auth_scheme": target.auth_scheme,
            **options,
        }
        return cls(url, api_key, contract=contract, **settings)

    # -- lifecycle ----------------------------------------------------------------------

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_hook(self, hook: ExchangeHook) -> None:
        """Call `hook` with every Exchange this client completes (for reports and counters)."""
        self._hooks.append(hook)

    @property
    def stats(self) -> ClientStats:
        """Requests made and 500s seen so far."""
        return ClientStats(self._requests, self._server_errors)

    # -- the API ------------------------------------------------------------------------

    def send(
        self,
        channel: str,
        to: str,
        text: str,
        *,
        api_key: KeyChoice = DEFAULT_KEY,
        extra: Mapping[str, Any] | None = None,
    ) -> Exchange:
        """POST a message on `channel`; the answer should carry its customerMessageId."""
        body = json.dumps({"to": to, "text": text, **(extra or {})}).encode()
        return self.send_raw(channel, body, api_key=api_key)

    def send_raw(
        self,
        channel: str,
        body: bytes,
        *,
        api_key: KeyChoice = DEFAULT_KEY,
        content_type: str = "application/json",
        path: str | None = None,
    ) -> Exchange:
        """POST raw bytes to `channel`'s send path (for invalid and oversized bodies)."""
        send_path = path or self.contract.send_paths[channel]
        return self.request(
            "POST",
            send_path,
            body=body,
            headers={"Content-Type": content_type},
            api_key=api_key,
            operation="send",
            channel=channel,
        )

    def lookup(
        self,
        message_id: str,
        channel: str | None,
        *,
        api_key: KeyChoice = DEFAULT_KEY,
        extra_params: Mapping[str, str] | None = None,
    ) -> Exchange:
        """GET one message's status; channel None leaves the parameter out."""
        params = dict(extra_params or {})
        if channel is not None:
            params = {"channel": channel, **params}
        path = self.contract.lookup_path.replace("{customerMessageId}", quote(message_id, safe=""))
        return self.request(
            "GET",
            path,
            params=params,
            api_key=api_key,
            operation="lookup",
            message_id=message_id,
            channel=channel,
        )

    def batch(
        self,
        ids: Sequence[str],
        channel: str | None,
        *,
        api_key: KeyChoice = DEFAULT_KEY,
        raw_ids: str | None = None,
    ) -> Exchange:
        """GET the statuses of `ids` at once (raw_ids sends the parameter text as given)."""
        params: dict[str, str] = {}
        if channel is not None:
            params["channel"] = channel
        joined = raw_ids if raw_ids is not None else self.contract.batch_separator.join(ids)
        if raw_ids is not None or ids:
            params["customerMessageIds"] = joined
        return self.request(
            "GET",
            self.contract.batch_path,
            params=params,
            api_key=api_key,
            operation="batch",
            channel=channel,
            ids=tuple(ids),
        )

    # -- the one place requests go out ----------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        api_key: KeyChoice = DEFAULT_KEY,
        operation: Operation = "other",
        message_id: str | None = None,
        channel: str | None = None,
        ids: tuple[str, ...] = (),
    ) -> Exchange:
        """Send one request (path already percent-encoded), retrying 500s; record it redacted."""
        key = self.api_key if isinstance(api_key, _Default) else api_key
        if key is not None and key not in self._known_secrets:
            self._known_secrets.append(key)
        url = self.base_url + path
        if params:
            url += "?" + urlencode(params, quote_via=quote, safe="")
        wire_headers = {"Accept": "application/json", **(headers or {})}
        if key is not None:
            wire_headers[self.auth_header] = f"{self.auth_scheme} {key.reveal()}"
        recorded = RecordedRequest(
            method=method,
            url=redact(url, self._known_secrets),
            headers=tuple((name, self._redact_header(name, value)) for name, value in wire_headers.items()),
            body=body,
        )
        retried: list[RecordedResponse] = []
        response = self._once(method, url, wire_headers, body)
        for delay in self.retry_delays_s:  # bounded by the configured delays
            if response.status != 500:
                break
            retried.append(response)
            self._sleep(delay)
            response = self._once(method, url, wire_headers, body)
        exchange = Exchange(
            operation=operation,
            request=recorded,
            response=response,
            retried=tuple(retried),
            message_id=message_id,
            channel=channel,
            ids=ids,
            params=dict(params or {}),
        )
        self._server_errors += exchange.server_errors
        for hook in self._hooks:
            hook(exchange)
        return exchange

    def _redact_header(self, name: str, value: str) -> str:
        if name.lower() == self.auth_header.lower():
            return f"{self.auth_scheme} {REDACTED}"
        return redact(value, self._known_secrets)

    def _once(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> RecordedResponse:
        self._requests += 1
        started = time.perf_counter()
        try:
            raw = self.session.request(
                method,
                url,
                headers=dict(headers),
                data=body,
                timeout=self.timeouts.as_tuple(),
                allow_redirects=False,
            )
            content = raw.content
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise TargetUnreachable(
                f"{method} {redact(url, self._known_secrets)}: {type(exc).__name__}: "
                f"{redact(str(exc), self._known_secrets)}",
                connected=_was_connected(exc),
            ) from None
        return RecordedResponse(
            status=raw.status_code,
            headers=tuple(raw.headers.items()),
            body=content,
            elapsed_s=time.perf_counter() - started,
        )


def _was_connected(exc: Exception) -> bool:
    """False when no connection was made at all (refused, DNS, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return not isinstance(reason, NewConnectionError | NameResolutionError)
