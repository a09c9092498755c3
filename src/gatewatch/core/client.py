"""The gateway client: send, single and batch lookup over a pooled requests.Session.

Every call has a (connect, read) timeout. A 500 is retried after the configured delays
(the doc: "retry the request after a short delay"), each one counted and kept on the
Exchange. With a rate limit, a shared `Pacer` keeps the harness's own requests under it,
and a 429 is waited out as it says (retryAfter, Retry-After), bounded in time and
attempts, then kept on the Exchange with the harness's own rate when it came. Field,
parameter and header names all come from the contract. The key goes on the wire only
here; what the client records is redacted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import quote, urlencode

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NameResolutionError, NewConnectionError

from gatewatch.contract import Contract, default_contract
from gatewatch.contract.operations import Operation
from gatewatch.core.config import Target, Timeouts
from gatewatch.core.errors import TargetUnreachable
from gatewatch.core.exchange import Exchange, RecordedRequest, RecordedResponse, Throttle
from gatewatch.core.ratelimit import NO_LIMIT, Pacer, PacingTimeout, RateLimit, retry_after_s
from gatewatch.core.secrets import REDACTED, Secret, basic_credential, redact

AuthMode = Literal["key", "basic"]
# A 429 that names no wait is retried after this long (doubling), within max_wait_s.
_DEFAULT_THROTTLE_WAIT_S = 1.0


class _Default:
    """Marker: use the client's own key."""


DEFAULT_KEY = _Default()
KeyChoice = Secret | None | _Default
ExchangeHook = Callable[[Exchange], None]


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
        auth: AuthMode = "key",
        rate_limit: RateLimit = NO_LIMIT,
        pacer: Pacer | None = None,
        dry_run_sends: bool = False,
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
        self.auth_mode: AuthMode = auth
        # None means the contract's; "" is a real choice (the key alone, no scheme).
        self.auth_header = auth_header if auth_header else self.contract.auth.header
        self.auth_scheme = self.contract.auth.scheme if auth_scheme is None else auth_scheme
        if auth == "basic":
            # RFC 7617's header and scheme, whatever the contract's key header is.
            self.auth_header, self.auth_scheme = "Authorization", "Basic"  # own-name
        self.rate_limit = rate_limit
        # One pacer per run, shared by its clients: the gateway counts per key, and the
        # harness's keys share this machine, so the conservative count is the total.
        self.pacer = pacer or Pacer(rate_limit, fraction=self.contract.rate_limits.pace_fraction)
        self.dry_run_sends = dry_run_sends
        self._sleep = sleep
        self._hooks: list[ExchangeHook] = [on_exchange] if on_exchange else []
        self._known_secrets: list[Secret] = [api_key] if api_key else []
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
            "auth": target.auth,
            "rate_limit": target.rate_limit,
            "dry_run_sends": target.dry_run_sends,
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

    def auth_description(self) -> str:
        """The auth header as sent, key redacted (`X-Api-Key: ***`), for messages."""
        return f"{self.auth_header}: {self._auth_value(REDACTED)}"

    def auth_headers(self, key: Secret) -> dict[str, str]:
        """The header that carries `key`, exactly as this client sends it (for Locust's own client)."""
        return {self.auth_header: self._auth_value(key.reveal())}

    def _auth_value(self, key: str) -> str:
        if self.auth_mode == "basic" and key != REDACTED:
            key = basic_credential(key)
        return f"{self.auth_scheme} {key}" if self.auth_scheme else key

    # -- the API ------------------------------------------------------------------------

    def send_body(self, to: str, text: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The JSON body of a send, field names from the contract (the dry-run flag if configured)."""
        shape = self.contract.send
        body: dict[str, Any] = {shape.destination: to, shape.text: text}
        if self.dry_run_sends and shape.dry_run:
            body[shape.dry_run] = True
        return {**body, **(extra or {})}

    def send(
        self,
        channel: str,
        to: str,
        text: str,
        *,
        api_key: KeyChoice = DEFAULT_KEY,
        extra: Mapping[str, Any] | None = None,
    ) -> Exchange:
        """POST a message on `channel`; the answer should carry its id."""
        body = json.dumps(self.send_body(to, text, extra)).encode()
        return self.send_raw(channel, body, api_key=api_key)

    def send_raw(
        self,
        channel: str,
        body: bytes,
        *,
        api_key: KeyChoice = DEFAULT_KEY,
        content_type: str | None = None,
        path: str | None = None,
    ) -> Exchange:
        """POST raw bytes to `channel`'s send path (for invalid and oversized bodies)."""
        send_path = path or self.contract.send_paths[channel]
        return self.request(
            "POST",
            send_path,
            body=body,
            headers={"Content-Type": content_type or self.contract.json_content_type},
            api_key=api_key,
            operation=Operation.SEND,
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
            params = {self.contract.channel_param: channel, **params}
        path = self.lookup_path(message_id)
        return self.request(
            "GET",
            path,
            params=params,
            api_key=api_key,
            operation=Operation.LOOKUP,
            message_id=message_id,
            channel=channel,
        )

    def lookup_path(self, message_id: str) -> str:
        """The lookup path of `message_id`, percent-encoded (every reserved character)."""
        template = "{" + self.contract.id_param + "}"
        return self.contract.lookup_path.replace(template, quote(message_id, safe=""))

    def batch(
        self,
        ids: Sequence[str],
        channel: str | None,
        *,
        api_key: KeyChoice = DEFAULT_KEY,
        raw_ids: str | None = None,
        ids_param: str | None = None,
    ) -> Exchange:
        """GET the statuses of `ids` at once (raw_ids sends the parameter text as given).

        `ids_param` names the parameter otherwise than the contract (drift diagnosis).
        """
        params: dict[str, str] = {}
        if channel is not None:
            params[self.contract.channel_param] = channel
        joined = raw_ids if raw_ids is not None else self.contract.batch.separator.join(ids)
        if raw_ids is not None or ids:
            params[ids_param or self.contract.batch.ids_param] = joined
        return self.request(
            "GET",
            self.contract.batch_path,
            params=params,
            api_key=api_key,
            operation=Operation.BATCH,
            channel=channel,
            ids=tuple(ids),
        )

    def webhook(
        self,
        operation: Operation,
        callback_url: object = None,
        *,
        api_key: KeyChoice = DEFAULT_KEY,
        raw_body: bytes | None = None,
        omit_url: bool = False,
    ) -> Exchange:
        """One call of the webhook registration (`operation` one of the webhook_* operations).

        A POST or PUT carries `{callbackUrl: callback_url}` (none with `omit_url`), or `raw_body`.
        """
        registration = self.contract.webhooks.registration
        method = registration.methods[operation]
        body, headers = raw_body, None
        if body is None and operation in (Operation.WEBHOOK_CREATE, Operation.WEBHOOK_UPDATE):
            body = json.dumps({} if omit_url else {registration.callback_url: callback_url}).encode()
        if body is not None:
            headers = {"Content-Type": self.contract.json_content_type}
        return self.request(
            method, registration.path, body=body, headers=headers, api_key=api_key, operation=operation
        )

    def _pace(self, paced: bool) -> None:
        if not paced:
            self.pacer.record()
            return
        try:
            self.pacer.acquire()
        except PacingTimeout as exc:
            raise TargetUnreachable(f"pacing under {self.rate_limit}: {exc}", connected=True) from None

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
        operation: Operation = Operation.OTHER,
        message_id: str | None = None,
        channel: str | None = None,
        ids: tuple[str, ...] = (),
        paced: bool = True,
        wait_on_throttle: bool = True,
    ) -> Exchange:
        """Send one request (path already percent-encoded), retrying 500s and waiting out 429s.

        `paced=False` sends at once (a deliberate burst; still counted by the pacer);
        `wait_on_throttle=False` keeps the first 429 as the answer. Recorded redacted.
        """
        key = self.api_key if isinstance(api_key, _Default) else api_key
        if key is not None and key not in self._known_secrets:
            self._known_secrets.append(key)
        url, wire_headers, recorded = self._prepare(method, path, params, body, headers, key)
        response, retried, throttled = self._send(method, url, wire_headers, body, paced, wait_on_throttle)
        exchange = Exchange(
            operation=operation,
            request=recorded,
            response=response,
            retried=retried,
            message_id=message_id,
            channel=channel,
            ids=ids,
            params=dict(params or {}),
            throttled=throttled,
            keyed=key is not None,
            rate_limit=None if self.rate_limit.unlimited else str(self.rate_limit),
        )
        for hook in self._hooks:
            hook(exchange)
        return exchange

    def _prepare(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: bytes | None,
        headers: Mapping[str, str] | None,
        key: Secret | None,
    ) -> tuple[str, dict[str, str], RecordedRequest]:
        """The URL and headers that go on the wire, and their redacted record."""
        url = self.base_url + path
        if params:
            url += "?" + urlencode(params, quote_via=quote, safe="")
        wire_headers = {"Accept": self.contract.json_content_type, **(headers or {})}
        if key is not None:
            wire_headers[self.auth_header] = self._auth_value(key.reveal())
        recorded = RecordedRequest.capture(
            method,
            url,
            ((name, self._redact_header(name, value)) for name, value in wire_headers.items()),
            body,
            self._known_secrets,
        )
        return url, wire_headers, recorded

    def _send(
        self,
        method: str,
        url: str,
        wire_headers: Mapping[str, str],
        body: bytes | None,
        paced: bool,
        wait_on_throttle: bool,
    ) -> tuple[RecordedResponse, tuple[RecordedResponse, ...], tuple[Throttle, ...]]:
        """The final answer, the 500s retried before it, and the 429s waited out (or kept)."""
        retried: list[RecordedResponse] = []
        throttled: list[Throttle] = []
        limits = self.contract.rate_limits
        max_throttles = limits.max_attempts if (limits.enabled and wait_on_throttle) else 0
        throttle_wait = 0.0
        delays = list(self.retry_delays_s)
        # Bounded: at most one attempt per retry delay plus one per allowed 429.
        for _ in range(len(delays) + max_throttles + 1):
            self._pace(paced)
            response = self._once(method, url, wire_headers, body)
            if response.status == self.contract.codes.too_many_requests:
                wait = self._throttle_wait(response, len(throttled))
                give_up = len(throttled) >= max_throttles or throttle_wait + wait > limits.max_wait_s
                throttled.append(self._throttle(response, 0.0 if give_up else wait))
                if give_up:
                    break
                throttle_wait += wait
                self._sleep(wait)
                continue
            if response.status == self.contract.codes.server_error and delays:
                retried.append(response)
                self._sleep(delays.pop(0))
                continue
            break
        return response, tuple(retried), tuple(throttled)

    def _throttle_wait(self, response: RecordedResponse, earlier: int) -> float:
        limits = self.contract.rate_limits
        told = retry_after_s(
            response.headers,
            response.json_or_none(),
            body_field=limits.retry_after_field,
            header_names=limits.wait_headers(),
        )
        return told if told is not None else _DEFAULT_THROTTLE_WAIT_S * 2**earlier

    def _throttle(self, response: RecordedResponse, waited_s: float) -> Throttle:
        per_second, per_minute = self.pacer.counts()
        under = None if self.rate_limit.unlimited else self.pacer.under()
        return Throttle(response, waited_s, per_second, per_minute, under)

    def _redact_header(self, name: str, value: str) -> str:
        # The auth header shows how the key went (`X-Api-Key: ***`); capture redacts the rest.
        return self._auth_value(REDACTED) if name.lower() == self.auth_header.lower() else value

    def _once(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> RecordedResponse:
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
        # Whatever the target echoes (our key in a body or a header, in any encoding) is
        # redacted here, before anything can report it.
        return RecordedResponse.capture(
            raw.status_code, raw.headers.items(), content, time.perf_counter() - started, self._known_secrets
        )


def _was_connected(exc: Exception) -> bool:
    """False when no connection was made at all (refused, DNS, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return not isinstance(reason, NewConnectionError | NameResolutionError)
