"""The URL map, built from the contract's operations (no path is typed here).

`Router.route` answers what a request line asks for (as cheap NamedTuples: this is the
lookup hot path): a `Match` (the operation, the send
path's channel, the raw path id), or a miss: `WrongMethod` (a path of the contract asked
with a method it does not take: 405) or `UNKNOWN_PATH` (404). Matching works on the raw
path so that `%2F` inside an id stays part of the id instead of splitting the path; a
path template may hold one `{parameter}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from gatewatch.contract import Contract
from gatewatch.contract.operations import Operation
from gatewatch.contract.shapes import OPERATION_KEY
from gatewatch.core.errors import ContractError
from gatewatch.simulator.errors import ApiError, method_not_allowed


class Match(NamedTuple):
    """A path of the contract asked with a method it takes."""

    op: Operation
    #: The channel a send path is for ("" for lookups).
    channel: str
    #: The raw (still percent-encoded) path parameter (b"" for a path without one).
    path_id: bytes


class WrongMethod(NamedTuple):
    """A path of the contract asked with a method it does not take: its 405, with the Allow header."""

    op: Operation
    channel: str
    path_id: bytes
    error: ApiError


@dataclass(frozen=True, slots=True)
class UnknownPath:
    """A path no operation of the contract has (404)."""

    op: None = None
    path_id: bytes = b""


UNKNOWN_PATH = UnknownPath()

#: What a request line asks for.
Routing = Match | WrongMethod | UnknownPath


@dataclass(frozen=True, slots=True)
class Route:
    """One path of the API: which operation it is and which methods it takes."""

    op: Operation
    methods: frozenset[str]
    #: The channel a send path is for ("" for lookups).
    channel: str = ""
    #: The operation of each method where they differ (the webhook registration's path); else `op`.
    by_method: Mapping[str, Operation] = field(default_factory=dict)
    #: The 405 of this path, with its Allow header.
    method_error: ApiError = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        allow = ", ".join(sorted(self.methods)).encode("ascii")
        object.__setattr__(self, "method_error", method_not_allowed(allow))

    def routing(self, method: str, path_id: bytes) -> Match | WrongMethod:
        """What `method` on this path asks for."""
        if method in self.methods:
            return Match(self.by_method.get(method, self.op), self.channel, path_id)
        return WrongMethod(self.op, self.channel, path_id, self.method_error)


@dataclass(frozen=True, slots=True)
class _Template:
    prefix: bytes
    suffix: bytes
    route: Route


class Router:
    """Finds what a request line asks for: its route and the path parameter when it has one."""

    def __init__(self, contract: Contract, base_path: str) -> None:
        self._static: dict[bytes, Route] = {}
        self._templates: list[_Template] = []
        send_by_path = {path: channel for channel, path in contract.send_paths.items()}
        known = {op.value: op for op in Operation}
        for path, item in contract.openapi.get("paths", {}).items():
            for method, operation in item.items():
                if not isinstance(operation, Mapping):
                    continue
                name = operation.get(OPERATION_KEY)
                op = known.get(name) if isinstance(name, str) else None
                if op is not None:
                    self._add(base_path + path, method.upper(), op, send_by_path.get(path, ""))

    def _add(self, template: str, method: str, op: Operation, channel: str) -> None:
        opening = template.find("{")
        if opening < 0:
            raw = template.encode()
            known = self._static.get(raw)
            if known is None:
                self._static[raw] = Route(op, frozenset({method}), channel, {method: op})
            else:
                by_method = {**known.by_method, method: op}
                self._static[raw] = Route(known.op, known.methods | {method}, channel, by_method)
            return
        closing = template.find("}", opening)
        if closing < 0 or "{" in template[closing:]:
            raise ContractError(
                "the simulator serves paths with at most one {parameter}", key=f"paths.{template}"
            )
        prefix, suffix = template[:opening].encode(), template[closing + 1 :].encode()
        for i, known_template in enumerate(self._templates):
            if (known_template.prefix, known_template.suffix) == (prefix, suffix):
                methods = known_template.route.methods | {method}
                self._templates[i] = _Template(prefix, suffix, Route(op, methods, channel))
                return
        self._templates.append(_Template(prefix, suffix, Route(op, frozenset({method}), channel)))

    def route(self, method: str, raw_path: bytes) -> Routing:
        """What `method` on `raw_path` asks for."""
        found = self._static.get(raw_path)
        if found is not None:
            return found.routing(method, b"")
        for template in self._templates:
            if (
                raw_path.startswith(template.prefix)
                and raw_path.endswith(template.suffix)
                and len(raw_path) > len(template.prefix) + len(template.suffix)
            ):
                param = raw_path[len(template.prefix) : len(raw_path) - len(template.suffix)]
                # A literal slash means another path; an encoded one (%2F) is part of the id.
                if b"/" not in param:
                    return template.route.routing(method, param)
        return UNKNOWN_PATH
