"""The URL map, built from the contract's operations (no path is typed here).

Matching works on the raw path so that `%2F` inside an id stays part of the id instead
of splitting the path; a path template may hold one `{parameter}`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from gatewatch.contract import Contract
from gatewatch.errors import ContractError
from gatewatch.simulator import handlers
from gatewatch.simulator.errors import ApiError, method_not_allowed
from gatewatch.simulator.stages import Stages
from gatewatch.simulator.wire import BATCH, LOOKUP, SEND, Request, Response

Handler = Callable[[Request, Stages], Response]

_HANDLERS: Mapping[str, Handler] = {
    SEND: handlers.send,
    LOOKUP: handlers.lookup,
    BATCH: handlers.batch,
}


@dataclass(frozen=True, slots=True)
class Route:
    """One path of the API: which operation it is and which methods it takes."""

    op: str
    methods: Mapping[str, Handler]
    #: The channel a send path is for ("" for lookups).
    channel: str = ""
    #: The 405 of this path, with its Allow header.
    method_error: ApiError = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "method_error", method_not_allowed(self.allow))

    @property
    def allow(self) -> bytes:
        """The Allow header of a 405."""
        return ", ".join(sorted(self.methods)).encode("ascii")


@dataclass(frozen=True, slots=True)
class _Template:
    prefix: bytes
    suffix: bytes
    route: Route


class Router:
    """Finds the route of a raw path, and the path parameter when it has one."""

    def __init__(self, contract: Contract, base_path: str) -> None:
        self._static: dict[bytes, Route] = {}
        self._templates: list[_Template] = []
        send_by_path = {path: channel for channel, path in contract.send_paths.items()}
        for path, item in contract.openapi.get("paths", {}).items():
            for method, operation in item.items():
                if not isinstance(operation, Mapping):
                    continue
                op = operation.get("x-gatewatch-operation")
                if not isinstance(op, str) or op not in _HANDLERS:
                    continue
                handler = _HANDLERS[op]
                self._add(base_path + path, method.upper(), handler, op, send_by_path.get(path, ""))

    def _add(self, template: str, method: str, handler: Handler, op: str, channel: str) -> None:
        opening = template.find("{")
        if opening < 0:
            raw = template.encode()
            known = self._static.get(raw)
            methods = {**(known.methods if known else {}), method: handler}
            self._static[raw] = Route(op, methods, channel)
            return
        closing = template.find("}", opening)
        if closing < 0 or "{" in template[closing:]:
            raise ContractError(
                "the simulator serves paths with at most one {parameter}", key=f"paths.{template}"
            )
        prefix, suffix = template[:opening].encode(), template[closing + 1 :].encode()
        for i, known_template in enumerate(self._templates):
            if (known_template.prefix, known_template.suffix) == (prefix, suffix):
                methods = {**known_template.route.methods, method: handler}
                self._templates[i] = _Template(prefix, suffix, Route(op, methods, channel))
                return
        self._templates.append(_Template(prefix, suffix, Route(op, {method: handler}, channel)))

    def match(self, raw_path: bytes) -> tuple[Route, bytes] | None:
        """The route for `raw_path` and its raw (percent-encoded) parameter, or None."""
        route = self._static.get(raw_path)
        if route is not None:
            return route, b""
        for template in self._templates:
            if (
                raw_path.startswith(template.prefix)
                and raw_path.endswith(template.suffix)
                and len(raw_path) > len(template.prefix) + len(template.suffix)
            ):
                param = raw_path[len(template.prefix) : len(raw_path) - len(template.suffix)]
                # A literal slash means another path; an encoded one (%2F) is part of the id.
                if b"/" not in param:
                    return template.route, param
        return None
