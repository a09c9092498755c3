"""The control endpoint: change faults, defects and the rate limit at runtime, reset, read timelines.

Served under /_control/ only when the config enables it (``--control``); otherwise those
paths are unknown like any other. It needs no key: it binds where the simulator binds,
which is loopback unless told otherwise. Its errors have the contract's error body.

    GET  /_control/faults           the faults on now
    POST /_control/faults           {"latency_ms": .., "error_rate": .., ...} replaces them
    GET  /_control/webhook-faults   the delivery webhooks' faults on now
    POST /_control/webhook-faults   {"delay_s": .., "loss": .., "duplicates": .., "reorder": ..} replaces them
    GET  /_control/defects          {"active": [...], "catalogue": [{name, rule, description, ...}]}
    POST /_control/defects          {"defects": ["name", ...]} replaces the active ones
    GET  /_control/rate-limit       {"limit": "5/s", "per_minute": null, "per_second": 5}
    POST /_control/rate-limit       {"limit": "none" | a plan | "N/min,M/s"} replaces it
    POST /_control/reset            forget messages; back to the configured behaviour
    GET  /_control/messages/{id}    a message's true timeline (fields in the contract's names)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from gatewatch.core.errors import ConfigError
from gatewatch.core.ratelimit import RateLimit, parse_rate_limit
from gatewatch.simulator import defects
from gatewatch.simulator.config import Faults, WebhookFaults
from gatewatch.simulator.errors import (
    BAD_REQUEST,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    PAYLOAD_TOO_LARGE,
    ApiError,
    ErrorKind,
)
from gatewatch.simulator.http import Request, Response, decode_path_param
from gatewatch.simulator.lifecycle import format_time
from gatewatch.simulator.store import Message

if TYPE_CHECKING:
    from gatewatch.contract import Contract
    from gatewatch.simulator.render import Renderer

PREFIX = b"/_control/"
_MESSAGES = PREFIX + b"messages/"
_LIMIT_KEY = "limit"


class Controllable(Protocol):
    """What the control endpoint drives (the app)."""

    contract: Contract
    render: Renderer

    @property
    def faults(self) -> Faults:
        """The faults on now."""

    @property
    def defects(self) -> tuple[str, ...]:
        """The defects on now."""

    @property
    def rate_limit(self) -> RateLimit:
        """The rate limit on now."""

    def set_faults(self, fault_config: Faults) -> None:
        """Replace the faults."""

    @property
    def webhook_faults(self) -> WebhookFaults:
        """The delivery webhooks' faults on now."""

    def set_webhook_faults(self, faults: WebhookFaults) -> None:
        """Replace the delivery webhooks' faults."""

    def set_defects(self, names: Iterable[str]) -> None:
        """Replace the defects."""

    def set_rate_limit(self, limit: RateLimit) -> None:
        """Replace the rate limit."""

    def reset(self) -> None:
        """Forget messages; back to the configured behaviour."""

    def message(self, message_id: str) -> Message | None:
        """A message by id, whoever sent it."""


def timeline_json(message: Message, contract: Contract) -> dict[str, Any]:
    """A message's true timeline, as GET /_control/messages/{id} answers it."""
    fields = contract.fields
    return {
        fields.id: message.id,
        fields.channel: message.channel,
        "company": message.company,
        contract.send.destination: message.to,
        "outcome": message.recipient.outcome,
        "sentAt": format_time(message.sent_at),
        "stepSeconds": message.step_s,
        "steps": [
            {
                fields.status: step.status,
                "at": step.updated_at,
                "epoch": step.at,
                fields.description: step.description,
            }
            for step in message.steps
        ],
    }


class Control:
    """Answers the /_control/ paths for one app."""

    def __init__(self, target: Controllable) -> None:
        self.target = target
        self.ok = target.contract.codes.ok
        self.routes: dict[bytes, tuple[Callable[[], Response], Callable[[Request], Response] | None]] = {
            PREFIX + b"faults": (self._faults_body, self._faults),
            PREFIX + b"webhook-faults": (self._webhook_faults_body, self._webhook_faults),
            PREFIX + b"defects": (self._defects_body, self._defects),
            PREFIX + b"rate-limit": (self._rate_limit_body, self._rate_limit),
        }

    def owns(self, raw_path: bytes) -> bool:
        """True for paths under /_control/."""
        return raw_path.startswith(PREFIX)

    def handle(self, request: Request) -> Response:
        """Answer a control request (never an exception: errors are error bodies)."""
        if request.too_large:
            return self._error(
                PAYLOAD_TOO_LARGE, ErrorKind.PAYLOAD_TOO_LARGE, "the request body is too large"
            )
        try:
            return self._route(request)
        except ConfigError as exc:
            return self._error(BAD_REQUEST, ErrorKind.INVALID_BODY, str(exc))

    def _route(self, request: Request) -> Response:
        path, method = request.raw_path, request.method
        if path in self.routes:
            read, write = self.routes[path]
            if method == "GET":
                return read()
            if method == "POST" and write is not None:
                return write(request)
            return self._wrong_method("GET or POST")
        if path == PREFIX + b"reset":
            return self._reset() if method == "POST" else self._wrong_method("POST")
        if path.startswith(_MESSAGES) and len(path) > len(_MESSAGES):
            return self._message(path[len(_MESSAGES) :]) if method == "GET" else self._wrong_method("GET")
        return self._error(NOT_FOUND, ErrorKind.NOT_FOUND, "no such control path")

    def _wrong_method(self, allowed: str) -> Response:
        return self._error(METHOD_NOT_ALLOWED, ErrorKind.METHOD_NOT_ALLOWED, f"use {allowed} on this path")

    def _reset(self) -> Response:
        self.target.reset()
        return self._json({"reset": True})

    def _json(self, payload: object) -> Response:
        return self.target.render.json(self.ok, payload)

    def _error(self, role: str, kind: str, message: str) -> Response:
        return self.target.render.error(ApiError(role, kind, message))

    def _faults_body(self) -> Response:
        return self._json(self.target.faults.to_dict())

    def _faults(self, request: Request) -> Response:
        self.target.set_faults(Faults.from_dict(_json_object(request.body)))
        return self._faults_body()

    def _webhook_faults_body(self) -> Response:
        return self._json(self.target.webhook_faults.to_dict())

    def _webhook_faults(self, request: Request) -> Response:
        self.target.set_webhook_faults(WebhookFaults.from_dict(_json_object(request.body)))
        return self._webhook_faults_body()

    def _defects_body(self) -> Response:
        specs = defects.catalogue(self.target.contract)
        return self._json(
            {
                "active": list(self.target.defects),
                "catalogue": [
                    {
                        "name": s.name,
                        "rule": s.rule,
                        "description": s.description,
                        "needs_rate_limit": s.needs_rate_limit,
                    }
                    for s in specs
                ],
            }
        )

    def _defects(self, request: Request) -> Response:
        names = _json_object(request.body).get("defects")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError('expected {"defects": ["name", ...]}', key="defects")
        self.target.set_defects(names)
        return self._defects_body()

    def _rate_limit_body(self) -> Response:
        limit = self.target.rate_limit
        return self._json(
            {_LIMIT_KEY: str(limit), "per_minute": limit.per_minute, "per_second": limit.per_second}
        )

    def _rate_limit(self, request: Request) -> Response:
        text = _json_object(request.body).get(_LIMIT_KEY)
        if not isinstance(text, str):
            raise ConfigError('expected {"limit": "none" | a plan | "N/min,M/s"}', key=_LIMIT_KEY)
        plans = self.target.contract.rate_limits.plans
        self.target.set_rate_limit(parse_rate_limit(text, plans, key=_LIMIT_KEY))
        return self._rate_limit_body()

    def _message(self, raw_id: bytes) -> Response:
        message_id = decode_path_param(raw_id)
        message = self.target.message(message_id) if message_id is not None else None
        if message is None:
            return self._error(NOT_FOUND, ErrorKind.MESSAGE_NOT_FOUND, "no message with this id")
        return self._json(timeline_json(message, self.target.contract))


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ConfigError("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ConfigError("expected a JSON object")
    return data
