"""HTTP as the simulator sees it: immutable requests, answers, headers and queries.

The bottom of the simulator: it imports nothing else of it. Nothing here names a field,
parameter, header or code of the contract: those are read from the `Contract` (names.py
builds the tables) and handed in. The few header names spelled here are HTTP's own
(Content-Type, Content-Length, Transfer-Encoding, Connection).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import NamedTuple
from urllib.parse import parse_qsl, unquote_to_bytes

TEXT_TYPE = b"text/plain; charset=utf-8"
HTML_TYPE = b"text/html; charset=utf-8"

#: Header (name, value) pairs, names lower-case as ASGI gives them.
Headers = tuple[tuple[bytes, bytes], ...]
#: Query parameters: each name with its values in order.
Query = Mapping[str, tuple[str, ...]]

_ENCODER = json.JSONEncoder(separators=(",", ":"))


def encode(payload: object) -> bytes:
    """Compact JSON; non-ASCII is escaped, so any id (even a lone surrogate) encodes."""
    return _ENCODER.encode(payload).encode("ascii")


def is_success(status: int) -> bool:
    """True for a 2xx status."""
    return status // 100 == 2


# Requests and answers are NamedTuples rather than frozen dataclasses: as immutable, and
# on Python 3.11 about four times cheaper to build (a frozen dataclass sets each field
# through object.__setattr__), which is a tenth of a lookup's whole cost.


class Response(NamedTuple):
    """An answer about to be sent."""

    status: int
    body: bytes
    content_type: bytes
    headers: Headers = ()
    #: Ask the client to close the connection (an unread request body is left behind).
    close: bool = False

    def with_headers(self, extra: Headers) -> Response:
        """A copy with `extra` headers added."""
        return Response(self.status, self.body, self.content_type, (*self.headers, *extra), self.close)

    def closing(self) -> Response:
        """A copy that closes the connection after it is sent."""
        return Response(self.status, self.body, self.content_type, self.headers, True)

    def asgi_headers(self) -> list[tuple[bytes, bytes]]:
        """The header list for http.response.start."""
        if not self.content_type and not self.body:
            # An answer without a body (204): neither header belongs on it.
            headers = list(self.headers)
        else:
            headers = [
                (b"content-type", self.content_type),
                (b"content-length", str(len(self.body)).encode("ascii")),
                *self.headers,
            ]
        if self.close:
            headers.append((b"connection", b"close"))
        return headers


class Request(NamedTuple):
    """One request: its line, the headers the simulator reads, and its body once read."""

    method: str
    raw_path: bytes
    query_string: bytes
    #: The value of the contract's key header, and of the Basic-auth header when accepted.
    key_value: bytes | None = None
    basic: bytes | None = None
    content_length: bytes | None = None
    transfer_encoding: bytes | None = None
    body: bytes = b""
    #: The body was over the limit and left unread (413; the connection must close).
    too_large: bool = False

    @property
    def has_body(self) -> bool:
        """True when the request announces a body to read."""
        if self.transfer_encoding is not None:
            return True
        return self.content_length is not None and self.content_length.strip() not in (b"0", b"")

    def with_body(self, body: bytes) -> Request:
        """A copy with its body read."""
        return self._replace(body=body)

    def body_refused(self) -> Request:
        """A copy with its body left unread, as over the limit."""
        return self._replace(too_large=True)


def read_request(
    method: str,
    raw_path: bytes,
    query_string: bytes,
    headers: Iterable[tuple[bytes, bytes]],
    key_header: bytes,
    basic_header: bytes | None,
) -> Request:
    """The request of a line and headers (its body still unread); the first of a repeated header counts."""
    key_value = basic = content_length = transfer_encoding = None
    # One pass over the headers instead of a dict per request: this is the hot path.
    for name, value in headers:
        if name == key_header:
            key_value = value if key_value is None else key_value
        elif name == basic_header:
            basic = value if basic is None else basic
        elif name == b"content-length":
            content_length = value
        elif name == b"transfer-encoding":
            transfer_encoding = value
    return Request(method, raw_path, query_string, key_value, basic, content_length, transfer_encoding)


def parse_query(raw: bytes) -> Query | None:
    """Parse a query string; None when it is not valid UTF-8."""
    query: dict[str, tuple[str, ...]] = {}
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        return None
    for name, value in pairs:
        query[name] = (*query.get(name, ()), value)
    return query


def decode_path_param(raw: bytes) -> str | None:
    """Percent-decode a raw path segment; None when the bytes are not UTF-8."""
    try:
        # Most ids have nothing to unquote: skip the parser (the lookup hot path).
        return (unquote_to_bytes(raw) if b"%" in raw else raw).decode("utf-8")
    except UnicodeDecodeError:
        return None
