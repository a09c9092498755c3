"""What one call to the gateway was: the request, every answer (retries included), redacted.

An Exchange holds no secret: the client redacts headers before recording them, so any
report, log or reproduction line built from an Exchange is safe to publish. A 429 that
the client waited out is kept as a `Throttle`, with the harness's own request rate when
it came, so a check can tell a throttle the harness earned from one it did not.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any, Literal

Operation = Literal["send", "lookup", "batch", "other"]
_NOT_JSON = object()
# HTTP's own class boundary (RFC 9110 15.6), not a contract code.
_SERVER_ERROR_CLASS = 500  # http-class


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """A request as sent, with credentials already replaced by ***."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None = None

    def curl(self) -> str:
        """A one-line curl command that reproduces the request (key shown as ***)."""
        parts = ["curl", "-sS", "-i", "-X", self.method, self.url]
        for name, value in self.headers:
            parts += ["-H", f"{name}: {value}"]
        if self.body is not None:
            parts += ["--data-binary", self.body.decode("utf-8", "replace")]
        return " ".join(shlex.quote(p) for p in parts)


@dataclass(frozen=True, slots=True)
class RecordedResponse:
    """One answer: status, headers, body and how long it took."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    elapsed_s: float

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
        """The body parsed as JSON; raises ValueError when it is not."""
        return json.loads(self.body)

    def json_or_none(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def text(self, limit: int = 2000) -> str:
        """The body as text for a report, cut at `limit` characters."""
        text = self.body.decode("utf-8", "replace")
        return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


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
        """Request and answer as text for a failure report (already redacted)."""
        headers = "\n".join(f"  {k}: {v}" for k, v in self.response.headers)
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
        """A JSON-ready form for attachments and summaries."""
        body = self.response.json_or_none()
        return {
            "operation": self.operation,
            "request": {
                "method": self.request.method,
                "url": self.request.url,
                "headers": dict(self.request.headers),
                "body": self.request.body.decode("utf-8", "replace") if self.request.body else None,
            },
            "response": {
                "status": self.response.status,
                "headers": dict(self.response.headers),
                "body": body if body is not None else self.response.text(),
                "elapsed_ms": round(self.response.elapsed_s * 1000, 3),
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
