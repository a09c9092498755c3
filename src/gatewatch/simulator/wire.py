"""What travels on the wire: requests as the handlers see them, answers, and error kinds.

The field and parameter names of the API's bodies live here, once; everything else the
simulator serves (paths, channels, statuses, limits) comes from the Contract.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

# Body fields (schemas/status-body.json, send-response.json, batch-body.json, error-body.json).
ID = "customerMessageId"
CHANNEL = "channel"
STATUS = "deliveryStato"
DESCRIPTION = "deliveryStatoDescription"
UPDATED_AT = "updatedAt"
STATUSES = "statuses"
NOT_FOUND = "notFound"
TO = "to"
CODE = "code"
MESSAGE = "message"

# Operation kinds (openapi.yaml x-gatewatch-operation), plus the simulator's own.
SEND = "send"
LOOKUP = "lookup"
BATCH = "batch"
CONTROL = "control"

# Query parameters (openapi.yaml).
CHANNEL_PARAM = "channel"
IDS_PARAM = "customerMessageIds"

JSON_TYPE = b"application/json"
TEXT_TYPE = b"text/plain; charset=utf-8"

Query = dict[str, list[str]]

_ENCODER = json.JSONEncoder(separators=(",", ":"))


def encode(payload: object) -> bytes:
    """Compact JSON; non-ASCII is escaped, so any id (even a lone surrogate) encodes."""
    return _ENCODER.encode(payload).encode("ascii")


class Code(StrEnum):
    """The error codes the simulator answers with (UPPER_SNAKE_CASE, error-body.json)."""

    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    MISSING_API_KEY = "MISSING_API_KEY"
    INVALID_API_KEY = "INVALID_API_KEY"
    FORBIDDEN = "FORBIDDEN"
    INVALID_QUERY = "INVALID_QUERY"
    MISSING_CHANNEL = "MISSING_CHANNEL"
    INVALID_CHANNEL = "INVALID_CHANNEL"
    INVALID_ID = "INVALID_ID"
    MISSING_IDS = "MISSING_IDS"
    EMPTY_ID = "EMPTY_ID"
    TOO_MANY_IDS = "TOO_MANY_IDS"
    INVALID_JSON = "INVALID_JSON"
    INVALID_BODY = "INVALID_BODY"
    MESSAGE_NOT_FOUND = "MESSAGE_NOT_FOUND"
    INTERNAL_ERROR = "INTERNAL_ERROR"


@dataclass(frozen=True, slots=True)
class ApiError:
    """An error answer before it is rendered: status, code and human text."""

    status: int
    code: str
    message: str


class Response:
    """An answer about to be sent."""

    __slots__ = ("body", "close", "content_type", "headers", "status")

    def __init__(
        self,
        status: int,
        body: bytes,
        content_type: bytes = JSON_TYPE,
        headers: tuple[tuple[bytes, bytes], ...] = (),
        *,
        close: bool = False,
    ) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers
        #: Ask the client to close the connection (an unread request body is left behind).
        self.close = close

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


def json_response(status: int, payload: object) -> Response:
    """A JSON answer."""
    return Response(status, encode(payload))


def error_response(error: ApiError) -> Response:
    """The conforming rendering of an error: the JSON error body."""
    return Response(error.status, encode({CODE: error.code, MESSAGE: error.message}))


class Request:
    """One request as the handlers and the defect stages see it."""

    __slots__ = (
        "_query",
        "authorization",
        "body",
        "content_length",
        "method",
        "op",
        "path_param",
        "query_string",
        "raw_path",
        "route_channel",
        "transfer_encoding",
    )

    def __init__(self, scope: Mapping[str, Any], auth_header: bytes) -> None:
        self.method: str = scope["method"]
        raw_path = scope.get("raw_path")
        self.raw_path: bytes = raw_path if raw_path is not None else scope["path"].encode()
        self.query_string: bytes = scope.get("query_string", b"")
        self.authorization: bytes | None = None
        self.content_length: bytes | None = None
        self.transfer_encoding: bytes | None = None
        # One pass over the headers instead of a dict per request: this is the hot path.
        for name, value in scope["headers"]:
            if name == auth_header:
                if self.authorization is None:
                    self.authorization = value
            elif name == b"content-length":
                self.content_length = value
            elif name == b"transfer-encoding":
                self.transfer_encoding = value
        self.op = ""
        self.route_channel = ""
        self.path_param = b""
        self.body = b""
        self._query: Query | None = None

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
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return None
