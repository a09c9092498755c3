"""Error answers before they are rendered: which code role, which kind, what text.

An `ApiError` names its HTTP code by role (`unauthorized`, `bad_request`: the fields of
`contract.codes`), so the number is the contract's; its `kind` is the simulator's own
UPPER_SNAKE identifier, which a dialect with a `code` field shows as is. How the body
looks is render.py's business, read from the contract's error schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum, auto

from gatewatch.contract.model import CodeRole
from gatewatch.simulator.http import Headers


class ErrorKind(StrEnum):
    """What went wrong, as the simulator names it (UPPER_SNAKE_CASE)."""

    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    URI_TOO_LONG = "URI_TOO_LONG"
    HEADERS_TOO_LARGE = "HEADERS_TOO_LARGE"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    MISSING_API_KEY = "MISSING_API_KEY"
    INVALID_API_KEY = "INVALID_API_KEY"
    FORBIDDEN = "FORBIDDEN"
    RATE_LIMITED = "RATE_LIMITED"
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
    WEBHOOK_NOT_FOUND = "WEBHOOK_NOT_FOUND"
    WEBHOOK_EXISTS = "WEBHOOK_EXISTS"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class Role(StrEnum):
    """The x-roles an error or rate-limit body's fields may carry (error-body.json, rate-limit-body.json).

    status: the HTTP code; error: a short title (the reason phrase); code: the `ErrorKind`;
    message: the human text; retry_after: seconds to wait (429 only).
    """

    STATUS = auto()
    ERROR = auto()
    CODE = auto()
    MESSAGE = auto()
    RETRY_AFTER = auto()


# Code roles (the fields of gatewatch.contract.model.Codes) the simulator answers with.
BAD_REQUEST = CodeRole.BAD_REQUEST
UNAUTHORIZED = CodeRole.UNAUTHORIZED
FORBIDDEN = CodeRole.FORBIDDEN
NOT_FOUND = CodeRole.NOT_FOUND
CONFLICT = CodeRole.CONFLICT
METHOD_NOT_ALLOWED = CodeRole.METHOD_NOT_ALLOWED
PAYLOAD_TOO_LARGE = CodeRole.PAYLOAD_TOO_LARGE
URI_TOO_LONG = CodeRole.URI_TOO_LONG
HEADERS_TOO_LARGE = CodeRole.HEADERS_TOO_LARGE
TOO_MANY_REQUESTS = CodeRole.TOO_MANY_REQUESTS
SERVER_ERROR = CodeRole.SERVER_ERROR


@dataclass(frozen=True, slots=True)
class ApiError:
    """An error answer before it is rendered: the code's role, the kind, the text, extra headers."""

    role: str
    kind: str
    message: str
    headers: Headers = ()


PATH_NOT_FOUND = ApiError(NOT_FOUND, ErrorKind.NOT_FOUND, "no such path")
INVALID_KEY = ApiError(UNAUTHORIZED, ErrorKind.INVALID_API_KEY, "unknown API key")
INVALID_QUERY = ApiError(BAD_REQUEST, ErrorKind.INVALID_QUERY, "the query string is not valid UTF-8")
INVALID_ID = ApiError(BAD_REQUEST, ErrorKind.INVALID_ID, "the message id in the path is not valid UTF-8")
INVALID_JSON = ApiError(BAD_REQUEST, ErrorKind.INVALID_JSON, "the body is not valid JSON")
MESSAGE_NOT_FOUND = ApiError(
    NOT_FOUND, ErrorKind.MESSAGE_NOT_FOUND, "no message with this id for the given channel and company"
)
WEBHOOK_NOT_FOUND = ApiError(
    NOT_FOUND, ErrorKind.WEBHOOK_NOT_FOUND, "no webhook is configured for this account"
)
WEBHOOK_EXISTS = ApiError(
    CONFLICT, ErrorKind.WEBHOOK_EXISTS, "a webhook is already configured for this account; change it with PUT"
)
INTERNAL_ERROR = ApiError(SERVER_ERROR, ErrorKind.INTERNAL_ERROR, "unexpected server error; retry shortly")
INJECTED_ERROR = ApiError(SERVER_ERROR, ErrorKind.INTERNAL_ERROR, "injected fault: unexpected server error")

# Long enough to say what is wrong, short enough not to echo a 64 KiB body back.
_MAX_ERROR_TEXT = 300


def invalid_body(reasons: list[str]) -> ApiError:
    """The 400 for a send body that breaks its schema, saying why (bounded)."""
    text = "; ".join(reasons)
    if len(text) > _MAX_ERROR_TEXT:
        text = text[: _MAX_ERROR_TEXT - 3] + "..."
    return ApiError(BAD_REQUEST, ErrorKind.INVALID_BODY, text)


def uri_too_long(limit: int) -> ApiError:
    """The 414 of a request target over `limit` bytes (answered by the HTTP edge)."""
    return ApiError(URI_TOO_LONG, ErrorKind.URI_TOO_LONG, f"the request target is longer than {limit} bytes")


def headers_too_large(limit: int) -> ApiError:
    """The 431 of a request whose headers exceed `limit` bytes (answered by the HTTP edge)."""
    return ApiError(
        HEADERS_TOO_LARGE, ErrorKind.HEADERS_TOO_LARGE, f"the request headers are larger than {limit} bytes"
    )


def method_not_allowed(allow: bytes) -> ApiError:
    """The 405 of a path that takes the methods `allow` (its Allow header)."""
    return ApiError(
        METHOD_NOT_ALLOWED,
        ErrorKind.METHOD_NOT_ALLOWED,
        f"use {allow.decode('ascii')} on this path",
        ((b"allow", allow),),
    )
