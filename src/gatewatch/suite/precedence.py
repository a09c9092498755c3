"""Error-precedence cases built from the contract's order: one request per pair of roles.

`contract.precedence.order` lists roles (payload_too_large, path_not_found,
method_not_allowed, unauthorized, too_many_requests, bad_request, not_found), first wins.
For every pair, `precedence_cases` builds one request that breaks both rules: the
expected answer is the code of whichever comes first. A request may break a third rule
on the way (a lookup of an unknown id breaks not_found too); the case is kept only when
that third rule does not come first, so each case is about its pair. Pairs no single
request can break, pairs whose codes are equal (the order cannot be seen), and 429
pairs (the key's limit would have to be used up first) are returned as skipped, with why.
"""

from __future__ import annotations

import itertools
import json
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from gatewatch.contract import Contract
from gatewatch.contract.model import PATH_NOT_FOUND, CodeRole
from gatewatch.contract.operations import Operation

# What the request is sent to: a send path, the lookup path, or a path the API does not have.
PathKind = Literal[Operation.SEND, Operation.LOOKUP, Operation.OTHER]


UNKNOWN_ID = "gatewatch-precedence-unknown"
UNKNOWN_SEGMENT = "gatewatch-no-such-path"
BAD_CHANNEL = "gatewatch-no-such-channel"
PADDING_FIELD = "gatewatch_padding"
# Methods tried, in order, when a case needs one the path does not allow.
_METHODS = ("DELETE", "PUT", "PATCH", "POST", "GET")
_BODY_METHODS = ("PUT", "PATCH", "POST", "DELETE")


@dataclass(frozen=True, slots=True)
class PrecedenceCase:
    """One request that breaks (at least) two rules, and the code that must win."""

    pair: tuple[str, str]
    breaks: frozenset[str]
    winner: str
    code: int
    method: str
    #: Already percent-encoded, ready for `GatewayClient.request`.
    path: str
    params: Mapping[str, str]
    body: bytes | None
    keyed: bool

    def describe(self) -> str:
        """`unauthorized + bad_request: 401 (unauthorized) wins`, for messages."""
        extra = sorted(self.breaks - set(self.pair))
        also = f" (also breaks {', '.join(extra)})" if extra else ""
        return f"{self.pair[0]} + {self.pair[1]}{also}: {self.code} ({self.winner}) wins"


@dataclass(frozen=True, slots=True)
class SkippedPair:
    """A pair of roles no case was built for, and why."""

    pair: tuple[str, str]
    reason: str


@dataclass(frozen=True, slots=True)
class _Request:
    kind: PathKind
    method: str
    path: str
    params: dict[str, str]
    body: bytes | None
    body_valid: bool
    keyed: bool


def precedence_cases(
    contract: Contract,
    *,
    valid_send_body: Mapping[str, Any],
    lookup_path: Callable[[str], str],
) -> tuple[list[PrecedenceCase], list[SkippedPair]]:
    """Every pair of the contract's precedence order as a case, or skipped with the reason.

    `valid_send_body` is a send body the target accepts (field names are the contract's);
    `lookup_path` turns an id into its percent-encoded lookup path.
    """
    order = contract.precedence.order
    cases: list[PrecedenceCase] = []
    skipped: list[SkippedPair] = []
    for first, second in itertools.combinations(order, 2):
        pair = (first, second)
        if CodeRole.TOO_MANY_REQUESTS in pair:
            skipped.append(
                SkippedPair(pair, "a 429 needs the key's limit used up first (rate_limit_enforced covers it)")
            )
            continue
        if contract.precedence.code(first) == contract.precedence.code(second):
            skipped.append(
                SkippedPair(pair, f"both answer {contract.precedence.code(first)}: the order cannot be seen")
            )
            continue
        request = _build(contract, set(pair), valid_send_body, lookup_path)
        breaks = _breaks(contract, request)
        winner = min(breaks, key=order.index) if breaks else first
        if not set(pair) <= breaks or winner != first:
            skipped.append(SkippedPair(pair, "no single request breaks these two alone"))
            continue
        cases.append(
            PrecedenceCase(
                pair=pair,
                breaks=frozenset(breaks),
                winner=winner,
                code=contract.precedence.code(winner),
                method=request.method,
                path=request.path,
                params=request.params,
                body=request.body,
                keyed=request.keyed,
            )
        )
    return cases, skipped


def api_prefix(contract: Contract) -> str:
    """The path every operation shares (`/partner-gateway/v1`)."""
    paths = [contract.lookup_path, contract.batch_path, *contract.send_paths.values()]
    return posixpath.commonpath(paths)


def unknown_path(contract: Contract) -> str:
    """A path under the API that no operation has."""
    return f"{api_prefix(contract)}/{UNKNOWN_SEGMENT}"


def allowed_methods(contract: Contract, template: str) -> frozenset[str]:
    """The HTTP methods openapi.yaml defines on the path `template` (upper case)."""
    item = contract.openapi.get("paths", {}).get(template, {})
    return frozenset(m.upper() for m in item if m.upper() in _METHODS)


def disallowed_method(contract: Contract, template: str, *, with_body: bool) -> str | None:
    """A method `template` does not allow (one that carries a body, if asked), or None."""
    allowed = allowed_methods(contract, template)
    candidates = _BODY_METHODS if with_body else _METHODS
    return next((m for m in candidates if m not in allowed), None)


def _build(
    contract: Contract,
    wanted: set[str],
    valid_send_body: Mapping[str, Any],
    lookup_path: Callable[[str], str],
) -> _Request:
    kind: PathKind
    if PATH_NOT_FOUND in wanted:
        kind = Operation.OTHER
    elif CodeRole.NOT_FOUND in wanted or CodeRole.PAYLOAD_TOO_LARGE not in wanted:
        kind = Operation.LOOKUP
    else:
        kind = Operation.SEND
    channel = contract.channels[0]
    template = {
        Operation.SEND: contract.send_paths[channel],
        Operation.LOOKUP: contract.lookup_path,
        Operation.OTHER: unknown_path(contract),
    }[kind]
    path = lookup_path(UNKNOWN_ID) if kind == Operation.LOOKUP else template
    oversized = CodeRole.PAYLOAD_TOO_LARGE in wanted
    invalid = CodeRole.BAD_REQUEST in wanted
    body: bytes | None = None
    if oversized:
        padding = {PADDING_FIELD: "x" * (contract.send.body_max_bytes + 16)}
        body = json.dumps(padding if invalid else {**valid_send_body, **padding}).encode()
    elif kind == Operation.SEND:
        body = b"{}" if invalid else json.dumps(dict(valid_send_body)).encode()
    method = "POST" if kind == Operation.SEND or body is not None else "GET"
    if CodeRole.METHOD_NOT_ALLOWED in wanted:
        method = disallowed_method(contract, template, with_body=body is not None) or method
    params: dict[str, str] = {}
    if kind != Operation.SEND:
        params[contract.channel_param] = BAD_CHANNEL if invalid else channel
    return _Request(
        kind=kind,
        method=method,
        path=path,
        params=params,
        body=body,
        body_valid=not (oversized and invalid) and body != b"{}",
        keyed=CodeRole.UNAUTHORIZED not in wanted,
    )


def _breaks(contract: Contract, request: _Request) -> set[str]:
    """Every precedence role `request` breaks."""
    found: set[str] = set()
    if request.body is not None and len(request.body) > contract.send.body_max_bytes:
        found.add(CodeRole.PAYLOAD_TOO_LARGE)
    if request.kind == Operation.OTHER:
        found.add(PATH_NOT_FOUND)
    else:
        lookup = request.kind == Operation.LOOKUP
        template = contract.lookup_path if lookup else contract.send_paths[contract.channels[0]]
        if request.method not in allowed_methods(contract, template):
            found.add(CodeRole.METHOD_NOT_ALLOWED)
    if not request.keyed:
        found.add(CodeRole.UNAUTHORIZED)
    if request.params.get(contract.channel_param, contract.channels[0]) not in contract.channels:
        found.add(CodeRole.BAD_REQUEST)
    if request.kind == Operation.SEND and not request.body_valid:
        found.add(CodeRole.BAD_REQUEST)
    if request.kind == Operation.LOOKUP:
        found.add(CodeRole.NOT_FOUND)
    return found & set(contract.precedence.order)
