"""The control endpoint: change faults and defects at runtime, reset, read true timelines.

Served under /_control/ only when the config enables it (``--control``); otherwise those
paths are unknown like any other. It needs no key: it binds where the simulator binds,
which is loopback unless told otherwise.

    GET  /_control/faults           the faults on now
    POST /_control/faults           {"latency_ms": .., "error_rate": .., ...} replaces them
    GET  /_control/defects          {"active": [...], "catalogue": [{name, rule, description}]}
    POST /_control/defects          {"defects": ["name", ...]} replaces the active ones
    POST /_control/reset            forget messages; back to the configured faults/defects
    GET  /_control/messages/{id}    a message's true timeline
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from gatewatch.errors import ConfigError
from gatewatch.simulator import defects
from gatewatch.simulator.config import Faults
from gatewatch.simulator.lifecycle import format_time
from gatewatch.simulator.store import Message
from gatewatch.simulator.wire import (
    CONTROL,
    ApiError,
    Code,
    Request,
    Response,
    decode_path_param,
    error_response,
    json_response,
)

if TYPE_CHECKING:
    from gatewatch.contract import Contract

PREFIX = b"/_control/"
_MESSAGES = PREFIX + b"messages/"


class Controllable(Protocol):
    """What the control endpoint drives (the app)."""

    contract: Contract

    @property
    def faults(self) -> Faults:
        """The faults on now."""

    @property
    def defects(self) -> tuple[str, ...]:
        """The defects on now."""

    def set_faults(self, fault_config: Faults) -> None:
        """Replace the faults."""

    def set_defects(self, names: Iterable[str]) -> None:
        """Replace the defects."""

    def reset(self) -> None:
        """Forget messages; back to the configured faults and defects."""

    def message(self, message_id: str) -> Message | None:
        """A message by id, whoever sent it."""


def timeline_json(message: Message) -> dict[str, Any]:
    """A message's true timeline, as GET /_control/messages/{id} answers it."""
    return {
        "customerMessageId": message.id,
        "channel": message.channel,
        "company": message.company,
        "to": message.to,
        "outcome": message.recipient.outcome,
        "sentAt": format_time(message.sent_at),
        "stepSeconds": message.step_s,
        "steps": [
            {
                "status": step.status,
                "at": step.updated_at,
                "epoch": step.at,
                "description": step.description,
            }
            for step in message.steps
        ],
    }


class Control:
    """Answers the /_control/ paths for one app."""

    def __init__(self, target: Controllable) -> None:
        self.target = target

    def owns(self, raw_path: bytes) -> bool:
        """True for paths under /_control/."""
        return raw_path.startswith(PREFIX)

    def handle(self, request: Request) -> Response:
        """Answer a control request (never an exception: errors are error bodies)."""
        request.op = CONTROL
        path, method = request.raw_path, request.method
        try:
            if path == PREFIX + b"faults":
                return self._faults(request) if method == "POST" else self._get(method, self._faults_body)
            if path == PREFIX + b"defects":
                return self._defects(request) if method == "POST" else self._get(method, self._defects_body)
            if path == PREFIX + b"reset":
                if method != "POST":
                    return _error(405, Code.METHOD_NOT_ALLOWED, "use POST on this path")
                self.target.reset()
                return json_response(200, {"reset": True})
            if path.startswith(_MESSAGES) and len(path) > len(_MESSAGES):
                return self._get(method, lambda: self._message(path[len(_MESSAGES) :]))
        except ConfigError as exc:
            return _error(400, Code.INVALID_BODY, str(exc))
        return _error(404, Code.NOT_FOUND, "no such control path")

    def _get(self, method: str, answer: Any) -> Response:
        if method != "GET":
            return _error(405, Code.METHOD_NOT_ALLOWED, "use GET or POST on this path")
        result: Response = answer()
        return result

    def _faults_body(self) -> Response:
        return json_response(200, self.target.faults.to_dict())

    def _faults(self, request: Request) -> Response:
        self.target.set_faults(Faults.from_dict(_json_object(request.body)))
        return self._faults_body()

    def _defects_body(self) -> Response:
        specs = defects.catalogue(self.target.contract)
        return json_response(
            200,
            {
                "active": list(self.target.defects),
                "catalogue": [{"name": s.name, "rule": s.rule, "description": s.description} for s in specs],
            },
        )

    def _defects(self, request: Request) -> Response:
        names = _json_object(request.body).get("defects")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError('expected {"defects": ["name", ...]}', key="defects")
        self.target.set_defects(names)
        return self._defects_body()

    def _message(self, raw_id: bytes) -> Response:
        message_id = decode_path_param(raw_id)
        message = self.target.message(message_id) if message_id is not None else None
        if message is None:
            return _error(404, Code.MESSAGE_NOT_FOUND, "no message with this id")
        return json_response(200, timeline_json(message))


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ConfigError("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ConfigError("expected a JSON object")
    return data


def _error(status: int, code: str, message: str) -> Response:
    return error_response(ApiError(status, code, message))
