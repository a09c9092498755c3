"""What one call to the gateway was: the request, every answer (retries included), redacted.

An Exchange holds no secret: the client redacts the request and every answer (headers and
body, whatever the target echoes) before recording them (`RecordedResponse.capture`), so
any report, log or reproduction line built from an Exchange is safe to publish. It is
bounded too: a body keeps its first `BODY_KEPT_BYTES` and notes its full size, while the
checks still judge the whole answer (a cut JSON body is parsed before the cut, and kept
parsed). A 429 that the client waited out is kept as a `Throttle`, with the harness's own
request rate when it came, so a check can tell a throttle the harness earned from one it
did not.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gatewatch.contract.operations import Operation
from gatewatch.core.bounds import BODY_KEPT_BYTES, HEADER_KEPT_CHARS, TEXT_SHOWN_CHARS, clip, cut_note
from gatewatch.core.secrets import Secret, redact, redact_bytes

_NOT_JSON = object()
_UNPARSED = object()
# HTTP's own class boundary (RFC 9110 15.6), not a contract code.
_SERVER_ERROR_CLASS = 500  # http-class


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """A request as sent, with credentials already replaced by ***."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    #: The body sent, cut at BODY_KEPT_BYTES (see `size`).
    body: bytes | None = None
    #: The body's full size in bytes when it was cut; None when `body` is whole.
    size: int | None = None

    @classmethod
    def capture(
        cls,
        method: str,
        url: str,
        headers: Iterable[tuple[str, str]],
        body: bytes | None,
        secrets: Iterable[Secret | None],
    ) -> RecordedRequest:
        """A request as the client sent it, recorded redacted and cut (the auth header already ***)."""
        keys = tuple(secrets)
        size = None
        if body is not None:
            body = redact_bytes(body, keys)
            if len(body) > BODY_KEPT_BYTES:
                body, size = body[:BODY_KEPT_BYTES], len(body)
        return cls(method, redact(url, keys), _recorded_headers(headers, keys), body, size)

    def curl(self) -> str:
        """A one-line curl command that reproduces the request (key shown as ***).

        A body longer than a console line shows is cut, and the line ends with a shell
        comment saying how long it was.
        """
        parts = ["curl", "-sS", "-i", "-X", self.method, self.url]
        for name, value in self.headers:
            parts += ["-H", f"{name}: {value}"]
        note = ""
        if self.body is not None:
            full = self.size if self.size is not None else len(self.body)
            shown = self.body[:TEXT_SHOWN_CHARS]
            parts += ["--data-binary", shown.decode("utf-8", "replace")]
            if len(shown) < full:
                note = f"  # body cut: {full:,} bytes, first {len(shown):,} shown"
        return " ".join(shlex.quote(p) for p in parts) + note


@dataclass(frozen=True, slots=True)
class RecordedResponse:
    """One answer: status, headers, body (cut at BODY_KEPT_BYTES) and how long it took."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    elapsed_s: float
    #: The body's full size in bytes when it was cut; None when `body` is whole.
    size: int | None = None
    #: A cut body's JSON, parsed from the whole body before the cut (so checks judge it all).
    parsed: Any = field(default=_UNPARSED, repr=False, compare=False)

    @classmethod
    def capture(
        cls,
        status: int,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        elapsed_s: float,
        secrets: Iterable[Secret | None],
        *,
        parse: bool = False,
    ) -> RecordedResponse:
        """An answer as received, recorded with `secrets` redacted from headers and body, and cut.

        Redacted first (a key cannot straddle the cut), parsed next when the body is longer
        than what is kept (or `parse`: every check will read it, so parse it once), cut last.
        """
        keys = tuple(secrets)
        body = redact_bytes(body, keys)
        recorded = _recorded_headers(headers, keys)
        if len(body) <= BODY_KEPT_BYTES:
            return cls(status, recorded, body, elapsed_s, parsed=_parse(body) if parse else _UNPARSED)
        parsed = _parse(body)
        return cls(status, recorded, body[:BODY_KEPT_BYTES], elapsed_s, size=len(body), parsed=parsed)

    @property
    def cut(self) -> bool:
        """True when `body` is only the start of the answer's body."""
        return self.size is not None and self.size > len(self.body)

    def header(self, name: str) -> str | None:
        """The first header called `name` (case-insensitive), or None."""
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    @property
    def media_type(self) -> str | None:
        """The Content-Type without parameters, lower-cased."""
        value = self.header("content-type")
        return value.split(";", 1)[0].strip().lower() if value else None

    def json(self) -> Any:
        """The whole body parsed as JSON; raises ValueError when it is not."""
        parsed = self.parsed if self.parsed is not _UNPARSED else _parse(self.body)
        if parsed is _NOT_JSON:
            raise ValueError("the body is not JSON")
        return parsed

    def json_or_none(self) -> Any:
        """The whole body parsed as JSON, or None when it is not JSON."""
        parsed = self.parsed if self.parsed is not _UNPARSED else _parse(self.body)
        return None if parsed is _NOT_JSON else parsed

    def text(self, limit: int = TEXT_SHOWN_CHARS) -> str:
        """The body as text for a report, cut at `limit` characters (and a cut body says so)."""
        text = clip(self.body.decode("utf-8", "replace"), limit)
        if self.cut and self.size is not None:
            text += f" … {cut_note(self.size, len(self.body))}"
        return text


@dataclass(frozen=True, slots=True)
class Throttle:
    """A 429 the client got: the answer, how long it then waited, and its own rate then."""

    response: RecordedResponse
    #: Seconds the client waited before trying again (0 when it gave up).
    waited_s: float
    #: The harness's own requests in the trailing 1 s and 60 s when the 429 came.
    own_per_second: int
    own_per_minute: int
    #: True when that rate was within the harness's pacing target; None when no limit is known.
    under_limit: bool | None


@dataclass(frozen=True, slots=True)
class Exchange:
    """A call and its outcome: the final answer plus every 500 that was retried before it."""

    operation: Operation
    request: RecordedRequest
    response: RecordedResponse
    retried: tuple[RecordedResponse, ...] = ()
    message_id: str | None = None
    channel: str | None = None
    ids: tuple[str, ...] = ()
    params: dict[str, str] = field(default_factory=dict)
    #: Every 429 before the final answer (the final answer may itself be a 429: the client gave up).
    throttled: tuple[Throttle, ...] = ()
    #: True when the request carried the client's key (a valid one, unless the answer says otherwise).
    keyed: bool = False
    #: The rate limit the client was configured with ("1000/min,50/s"), or None when none is known.
    rate_limit: str | None = None

    @property
    def status(self) -> int:
        """The final answer's status code."""
        return self.response.status

    @property
    def server_errors(self) -> int:
        """How many 5xx answers this call saw, the final answer included."""
        return sum(r.status >= _SERVER_ERROR_CLASS for r in (*self.retried, self.response))

    @property
    def attempts(self) -> int:
        """How many requests this call made."""
        return len(self.retried) + len(self.throttled) + 1

    def answers(self) -> tuple[RecordedResponse, ...]:
        """Every answer this call got, in order (retried 500s and 429s first)."""
        return (*self.retried, *(t.response for t in self.throttled), self.response)

    def describe(self) -> str:
        """Request and answer as text for a failure report (already redacted, bounded in size)."""
        headers = clip("\n".join(f"  {k}: {v}" for k, v in self.response.headers))
        lines = [
            f"{self.request.method} {self.request.url}",
            f"-> {self.response.status} after {self.attempts} attempt(s), "
            f"{self.response.elapsed_s * 1000:.1f} ms",
            headers,
            "  " + self.response.text(),
            f"reproduce: {self.request.curl()}",
        ]
        return "\n".join(line for line in lines if line)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for attachments and summaries (bodies as kept: at most BODY_KEPT_BYTES)."""
        response = self.response
        # A cut body is shown as the text kept, never re-serialised from the whole parse.
        body = None if response.cut else response.json_or_none()
        request_body = None
        if self.request.body:
            request_body = self.request.body.decode("utf-8", "replace")
            if self.request.size is not None:
                request_body += f" … {cut_note(self.request.size, len(self.request.body))}"
        return {
            "operation": self.operation,
            "request": {
                "method": self.request.method,
                "url": self.request.url,
                "headers": dict(self.request.headers),
                "body": request_body,
            },
            "response": {
                "status": response.status,
                "headers": dict(response.headers),
                "body": body if body is not None else response.text(BODY_KEPT_BYTES),
                "elapsed_ms": round(response.elapsed_s * 1000, 3),
            },
            "retried_statuses": [r.status for r in self.retried],
            "throttled": [
                {
                    "waited_s": round(t.waited_s, 3),
                    "own_per_second": t.own_per_second,
                    "own_per_minute": t.own_per_minute,
                }
                for t in self.throttled
            ],
            "curl": self.request.curl(),
        }


def _parse(body: bytes) -> Any:
    """The body's JSON, or _NOT_JSON (nesting too deep for the parser counts as not JSON)."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return _NOT_JSON


def _recorded_headers(
    headers: Iterable[tuple[str, str]], keys: tuple[Secret | None, ...]
) -> tuple[tuple[str, str], ...]:
    """Headers with `keys` redacted from names and values, each value cut at HEADER_KEPT_CHARS."""
    return tuple(
        (redact(name, keys), clip(redact(value, keys), HEADER_KEPT_CHARS)) for name, value in headers
    )
