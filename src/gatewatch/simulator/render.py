"""Error and 429 bodies built from the contract's schemas, field by role.

error-body.json's properties carry x-roles (errors.Role): `status` gets the HTTP code,
`error` a short title (the reason phrase), `code` the error's kind, `message` its text;
rate-limit-body.json adds `retry_after`. The field names are the contract's, so the
vendor's `{status, error, message}` and the strict `{code, message}` come from one
function. `Renderer.check` renders a sample of each and validates it against its schema
at start-up, so a contract whose error body the simulator cannot produce is refused there.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus

from gatewatch.contract import Contract
from gatewatch.contract.shapes import roles
from gatewatch.core.errors import ConfigError
from gatewatch.simulator.errors import (
    INTERNAL_ERROR,
    MESSAGE_NOT_FOUND,
    TOO_MANY_REQUESTS,
    ApiError,
    ErrorKind,
    Role,
)
from gatewatch.simulator.http import Headers, Response, encode

Payload = dict[str, object]


def title(status: int, kind: str) -> str:
    """A short non-empty title for `status`: its reason phrase, else the kind in words."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return kind.replace("_", " ").capitalize() or "Error"


def error_payload(
    fields: Mapping[str, str], status: int, error: ApiError, retry_after_s: int | None = None
) -> Payload:
    """The error body for `error` answered with `status`, in the fields `fields` (role -> name)."""
    values: dict[str, object] = {
        Role.STATUS: status,
        Role.ERROR: title(status, error.kind),
        Role.CODE: error.kind,
        Role.MESSAGE: error.message,
    }
    if retry_after_s is not None:
        values[Role.RETRY_AFTER] = retry_after_s
    return {name: values[role] for role, name in fields.items() if role in values}


class Renderer:
    """Renders JSON answers, error bodies and 429s for one contract (errors cached per kind)."""

    def __init__(self, contract: Contract) -> None:
        self.codes = contract.codes
        self.json_type = contract.json_content_type.encode("latin-1")
        self.error_fields: Mapping[str, str] = dict(contract.error.fields)
        limits = contract.rate_limits
        self.throttle_fields: Mapping[str, str] = (
            roles(contract.schemas[limits.body_schema]) if limits.enabled and limits.body_schema else {}
        )
        self.retry_after_header = limits.retry_after_header.lower().encode("latin-1")
        self._cache: dict[ApiError, Response] = {}

    def status(self, error: ApiError) -> int:
        """The HTTP code of `error` (its role in the contract's codes)."""
        return self.codes.of(error.role)

    def json(self, status: int, payload: object, headers: Headers = ()) -> Response:
        """A JSON answer."""
        return Response(status, encode(payload), self.json_type, headers)

    def error(self, error: ApiError, fields: Mapping[str, str] | None = None) -> Response:
        """The error body of `error`; with the contract's fields, encoded once per error."""
        if fields is not None:
            status = self.status(error)
            return self.json(status, error_payload(fields, status, error), error.headers)
        rendered = self._cache.get(error)
        if rendered is None:
            status = self.status(error)
            rendered = self.json(status, error_payload(self.error_fields, status, error), error.headers)
            self._cache[error] = rendered
        return rendered

    def throttled(self, limit: str, retry_after_s: int) -> Response:
        """The 429: the rate-limit body and the Retry-After header."""
        error = ApiError(
            TOO_MANY_REQUESTS,
            ErrorKind.RATE_LIMITED,
            f"rate limit of {limit} exceeded for this API key; retry in {retry_after_s} s",
        )
        status = self.status(error)
        payload = error_payload(self.throttle_fields, status, error, retry_after_s)
        return self.json(status, payload, ((self.retry_after_header, str(retry_after_s).encode("ascii")),))

    def check(self, contract: Contract) -> None:
        """Refuse (ConfigError) a contract whose error or 429 body this renderer cannot produce."""
        samples: list[tuple[str, object]] = [
            (contract.error.schema, error_payload(self.error_fields, self.status(e), e))
            for e in (MESSAGE_NOT_FOUND, INTERNAL_ERROR)
        ]
        limits = contract.rate_limits
        if limits.enabled and limits.body_schema:
            throttled = ApiError(TOO_MANY_REQUESTS, ErrorKind.RATE_LIMITED, "over the limit")
            sample = error_payload(self.throttle_fields, self.status(throttled), throttled, 1)
            samples.append((limits.body_schema, sample))
        for schema, payload in samples:
            problems = contract.schema_errors(schema, payload)
            if problems:
                raise ConfigError(
                    f"the simulator cannot produce this error body ({'; '.join(problems)}): "
                    f"its fields' x-role must be among {', '.join(Role)}",
                    file=str(contract.root / "schemas" / schema),
                )
