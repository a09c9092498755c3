"""What travels on the wire: requests as the gates and handlers see them, and answers.

Nothing here names a field, parameter, header or code of the contract: those are read
from the `Contract` (names.py builds the tables). The few header names spelled here are
HTTP's own (Content-Type, Content-Length, Allow, Connection).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote_to_bytes

if TYPE_CHECKING:
    from gatewatch.simulator.auth import Caller
    from gatewatch.simulator.ratelimit import Decision
    from gatewatch.simulator.routes import Handler, Route
    from gatewatch.simulator.store import Message

# Operation kinds (openapi.yaml x-gatewatch-operation), plus the simulator's own.
SEND = "send"
LOOKUP = "lookup"
BATCH = "batch"
CONTROL = "control"
#: The "operation" of a path the contract does not have.
NO_ROUTE = ""

TEXT_TYPE = b"text/plain; charset=utf-8"
HTML_TYPE = b"text/html; charset=utf-8"

Query = dict[str, list[str]]
Headers = tuple[tuple[bytes, bytes], ...]

_ENCODER = json.JSONEncoder(separators=(",", ":"))


def encode(payload: object) -> bytes:
    """Compact JSON; non-ASCII is escaped, so any id (even a lone surrogate) encodes."""
    return _ENCODER.encode(payload).encode("ascii")


def is_success(status: int) -> bool:
    """True for a 2xx status."""
    return status // 100 == 2


class Response:
    """An answer about to be sent."""

    __slots__ = ("body", "close", "content_type", "headers", "status")

    def __init__(
        self,
        status: int,
        body: bytes,
        content_type: bytes,
        headers: Headers = (),
        *,
        close: bool = False,
    ) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers
        #: Ask the client to close the connection (an unread request body is left behind).
        self.close = close

    def with_headers(self, extra: Headers) -> Response:
        """A copy with `extra` headers added."""
        return Response(self.status, self.body, self.content_type, (*self.headers, *extra), close=self.close)

    def closing(self) -> Response:
        """A copy that closes the connection after it is sent."""
        return Response(self.status, self.body, self.content_type, self.headers, close=True)

    def asgi_headers(self) -> list[tuple[bytes, bytes]]:
        """The header list for http.response.start."""
        headers = [
            (b"content-type", self.content_type),
            (b"content-length", str(len(self.body)).encode("ascii")),
            *self.headers,
        ]
        if self.close:
            headers.append((b"connection", b"close"))
        return headers


class Request:
    """One request as the gates, handlers and defect stages see it, and what they learnt of it."""

    __slots__ = (
        "_query",
        "basic",
        "body",
        "caller",
        "channel",
        "content_length",
        "decision",
        "handler",
        "ids",
        "key_value",
        "message",
        "message_id",
        "method",
        "op",
        "parsed",
        "path_param",
        "query_string",
        "raw_path",
        "route",
        "route_channel",
        "too_large",
        "transfer_encoding",
    )

    def __init__(self, scope: Mapping[str, Any], key_header: bytes, basic_header: bytes | None) -> None:
        self.method: str = scope["method"]
        raw_path = scope.get("raw_path")
        self.raw_path: bytes = raw_path if raw_path is not None else scope["path"].encode()
        self.query_string: bytes = scope.get("query_string", b"")
        #: The value of the contract's key header, and of the Basic-auth header when accepted.
        self.key_value: bytes | None = None
        self.basic: bytes | None = None
        self.content_length: bytes | None = None
        self.transfer_encoding: bytes | None = None
        # One pass over the headers instead of a dict per request: this is the hot path.
        for name, value in scope["headers"]:
            if name == key_header:
                if self.key_value is None:
                    self.key_value = value
            elif name == basic_header:
                if self.basic is None:
                    self.basic = value
            elif name == b"content-length":
                self.content_length = value
            elif name == b"transfer-encoding":
                self.transfer_encoding = value
        self.op = NO_ROUTE
        self.route: Route | None = None
        self.handler: Handler | None = None
        self.route_channel = ""
        self.path_param = b""
        self.body = b""
        #: The body was over the limit and left unread (413; the connection must close).
        self.too_large = False
        self._query: Query | None = None
        # Filled in by the gates as they pass.
        self.caller: Caller | None = None
        self.decision: Decision | None = None
        self.channel = ""
        self.message_id = ""
        self.ids: list[str] = []
        self.parsed: object = None
        self.message: Message | None = None

    @property
    def has_body(self) -> bool:
        """True when the request announces a body to read."""
        if self.transfer_encoding is not None:
            return True
        return self.content_length is not None and self.content_length.strip() not in (b"0", b"")

    def query(self, fast: dict[bytes, Query]) -> Query | None:
        """The query parameters, or None when they are not valid UTF-8 (a 400)."""
        if self._query is None:
            known = fast.get(self.query_string)
            self._query = known if known is not None else parse_query(self.query_string)
        return self._query if self._query is not _INVALID else None


_INVALID: Query = {}


def parse_query(raw: bytes) -> Query:
    """Parse a query string; `_INVALID` (identity) when it is not valid UTF-8."""
    query: Query = {}
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        return _INVALID
    for name, value in pairs:
        query.setdefault(name, []).append(value)
    return query


def decode_path_param(raw: bytes) -> str | None:
    """Percent-decode a raw path segment; None when the bytes are not UTF-8."""
    try:
        # Most ids have nothing to unquote: skip the parser (the lookup hot path).
        return (unquote_to_bytes(raw) if b"%" in raw else raw).decode("utf-8")
    except UnicodeDecodeError:
        return None
