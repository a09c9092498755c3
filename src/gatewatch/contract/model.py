"""The value objects a loaded contract is made of: one per thing a dialect varies.

Code knows fields, parameters and codes by their role (`fields.status`, `codes.not_found`);
their names and numbers are read from contracts/, so a dialect is data, not code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from gatewatch.core.ratelimit import NO_LIMIT, RateLimit

Provenance = Literal["documented", "vendor", "pinned"]
PROVENANCES: tuple[Provenance, ...] = ("documented", "vendor", "pinned")


@dataclass(frozen=True, slots=True)
class Rule:
    """One named contract rule, where it comes from, and whether it is switched on."""

    id: str
    provenance: Provenance
    summary: str
    #: The vendor page a `vendor` rule comes from.
    source: str | None = None
    enabled: bool = True
    #: Why the rule is switched off (rules.yaml `reason`, or --skip-rule).
    reason: str | None = None

    @property
    def origin(self) -> str:
        """The provenance as reports show it: `documented`, `pinned` or `vendor: <page>`."""
        if self.provenance == "vendor" and self.source:
            return f"vendor: {self.source}"
        return self.provenance


@dataclass(frozen=True, slots=True)
class Recipient:
    """A test recipient: numbers ending in `suffix` walk `path` and end in `outcome`."""

    outcome: str
    suffix: str
    path: tuple[str, ...]
    reason: str | None = None

    @property
    def final_status(self) -> str:
        """The status the recipient settles on."""
        return self.path[-1]


@dataclass(frozen=True, slots=True, kw_only=True)
class Codes:
    """HTTP status codes by meaning (rules.yaml `codes`)."""

    ok: int
    created: int
    no_content: int
    bad_request: int
    unauthorized: int
    forbidden: int
    not_found: int
    method_not_allowed: int
    conflict: int
    payload_too_large: int
    uri_too_long: int
    too_many_requests: int
    headers_too_large: int
    server_error: int

    def of(self, role: str) -> int:
        """The code of `role` (a field name of this class)."""
        value: int = getattr(self, role)
        return value

    def all(self) -> frozenset[int]:
        """Every code named here."""
        return frozenset(getattr(self, name) for name in self.__slots__)


class CodeRole(StrEnum):
    """The meanings a code has, as Codes' fields name them: what the simulator and the suite ask for.

    tests/core/test_contract_loader.py keeps these and Codes' fields the same set.
    """

    OK = "ok"
    CREATED = "created"
    NO_CONTENT = "no_content"
    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    URI_TOO_LONG = "uri_too_long"
    TOO_MANY_REQUESTS = "too_many_requests"
    HEADERS_TOO_LARGE = "headers_too_large"
    SERVER_ERROR = "server_error"


@dataclass(frozen=True, slots=True, kw_only=True)
class Auth:
    """How a key travels (openapi.yaml securitySchemes): the header, a scheme or none, Basic."""

    header: str
    #: "" when the header carries the key alone (the vendor's X-Api-Key).
    scheme: str
    #: `Authorization: Basic base64(user:pass)` is accepted as an alternative.
    basic: bool
    provenance: Provenance = "pinned"
    source: str | None = None

    def value(self, key: str) -> str:
        """The header value that carries `key`."""
        return f"{self.scheme} {key}" if self.scheme else key

    def describe(self) -> str:
        """`X-Api-Key: <key>` or `Authorization: Bearer <key>`, for messages."""
        return f"{self.header}: {self.value('<key>')}"


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusFields:
    """The names of a status body's fields (status-body.json x-role), and which are required."""

    id: str
    channel: str
    status: str
    description: str
    updated_at: str
    required: frozenset[str]

    def names(self) -> tuple[str, ...]:
        """Every field name."""
        return (self.id, self.channel, self.status, self.description, self.updated_at)


@dataclass(frozen=True, slots=True, kw_only=True)
class SendShape:
    """Send request and answer field names (send-request.json, send-response.json)."""

    destination: str
    text: str
    sender: str | None
    #: The request field that asks for a dry run (`"simulation": true`), if the dialect has one.
    dry_run: str | None
    id: str
    #: The answer's channel field; `channel_required` when the answer must carry it.
    channel: str | None
    channel_required: bool
    #: The answer's echo of the dry-run flag, if any.
    dry_run_answer: str | None
    success_codes: frozenset[int]
    body_max_bytes: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchShape:
    """The batch lookup: parameter names, the answer's shape, the limits."""

    ids_param: str
    separator: str
    #: True: the answer is an array of found entries; False: an object with two lists.
    array: bool
    statuses: str | None
    not_found: str | None
    max_ids: int
    over_limit_codes: frozenset[int]


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorShape:
    """The error body (error-body.json): its fields by role, and the one that echoes the code."""

    schema: str
    fields: Mapping[str, str]
    #: The field that must equal the answer's HTTP code, if any.
    status_field: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimits:
    """Rate limits (rules.yaml rate_limits): the plans, the 429 body and headers, the harness's pacing."""

    enabled: bool
    plans: Mapping[str, RateLimit]
    default_plan: str | None
    body_schema: str | None
    retry_after_field: str | None
    limit_header: str
    remaining_header: str
    reset_header: str
    retry_after_header: str
    required_headers: tuple[str, ...]
    pace_fraction: float
    max_wait_s: float
    max_attempts: int
    conformance_max_per_second: int
    provenance: Provenance = "pinned"
    source: str | None = None

    def default_limit(self) -> RateLimit:
        """The limit a remote target is assumed to have (the default plan), or none."""
        if not self.enabled or self.default_plan is None:
            return NO_LIMIT
        return self.plans[self.default_plan]

    def wait_headers(self) -> tuple[str, ...]:
        """The headers that may say how long to wait, most specific first."""
        return (self.retry_after_header, self.reset_header)


@dataclass(frozen=True, slots=True)
class AliasGroup:
    """Names the vendor's docs use for one thing, and where each is used."""

    names: tuple[str, ...]
    source: str


#: The precedence role of a path no operation has (the others are Codes' field names).
PATH_NOT_FOUND = "path_not_found"


@dataclass(frozen=True, slots=True)
class Precedence:
    """Which error wins when a request breaks several rules: roles, first wins."""

    order: tuple[str, ...]
    codes: Mapping[str, int]

    def code(self, role: str) -> int:
        """The HTTP code of precedence role `role`."""
        return self.codes[role]

    def before(self, first: str, second: str) -> bool:
        """True when `first` wins over `second`."""
        return self.order.index(first) < self.order.index(second)
