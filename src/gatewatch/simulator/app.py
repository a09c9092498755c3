"""The simulator as a raw ASGI app: read the body (up to the limit), route, then serve.

A raw app rather than a framework keeps the lookup hot path short (one header pass, one
dict lookup per stage). Which error wins is not decided here: the body's size is noted on
the request, the router says what the path and method ask for, and the checkpoints
(checkpoints.py) judge them in the contract's order. The behaviour that may change at
runtime (faults, defects, the rate limit) is a single immutable `_Runtime` swapped in one
assignment, so a test thread can change it while the event loop serves requests without locks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, fields
from typing import Any

from gatewatch.contract import Contract
from gatewatch.core.errors import ConfigError
from gatewatch.core.ratelimit import RateLimit
from gatewatch.simulator import control, defects
from gatewatch.simulator.config import Faults, SimulatorConfig, WebhookFaults, check_rate_limit
from gatewatch.simulator.defects import DefectSpec
from gatewatch.simulator.deliveries import Outbox
from gatewatch.simulator.errors import INJECTED_ERROR, INTERNAL_ERROR
from gatewatch.simulator.faults import Drop, FaultChain, Outcome
from gatewatch.simulator.faults import build as build_faults
from gatewatch.simulator.handlers import Dispatcher
from gatewatch.simulator.http import Request, Response, read_request
from gatewatch.simulator.routes import Router
from gatewatch.simulator.stages import Stages, conforming, with_rate_limit
from gatewatch.simulator.store import Message, MessageStore

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: The ASGI scope extension ({"abort": callable}) through which the server lets the app
#: drop a connection without answering.
ABORT_EXTENSION = "gatewatch.abort"
# How long a dropped connection may take to be noticed as gone.
_DROP_WAIT_S = 2.0

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Runtime:
    stages: Stages
    faults: Faults
    chain: FaultChain | None
    rate_limit: RateLimit
    dispatcher: Dispatcher


@dataclass(frozen=True, slots=True)
class _Chunk:
    """One ASGI http.request (or http.disconnect) message.

    Read through fields rather than by key: ASGI's `body` is also a field name of the
    vendor's send request, and no contract name is read by its spelling here.
    """

    type: str
    body: bytes = b""
    more_body: bool = False


_CHUNK_KEYS = frozenset(f.name for f in fields(_Chunk))


class _BodyTooLarge:
    """What `_read_body` gives for a body over the limit."""


_TOO_LARGE = _BodyTooLarge()


def _chunk(message: Mapping[str, Any]) -> _Chunk:
    return _Chunk(**{k: v for k, v in message.items() if k in _CHUNK_KEYS})


class GatewayApp:
    """The ASGI app of one simulator: the contract's API, plus /_control when enabled."""

    def __init__(
        self,
        contract: Contract,
        config: SimulatorConfig,
        *,
        clock: Callable[[], float] = time.time,
        rate_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        config.check_against(contract)
        self.contract = contract
        self.config = config
        self.store = MessageStore(config.max_messages)
        self._clock = clock
        self._rate_clock = rate_clock
        self._base = conforming(contract, config, self.store, clock)
        #: Answers in the contract's shapes (the control endpoint's too).
        self.render = self._base.context.render
        self._router = Router(contract, config.base_path)
        self._control = control.Control(self) if config.control else None
        self._runtime = self._build(config.faults, config.defects, config.rate_limit)

    # -- runtime behaviour --------------------------------------------------------------

    def _build(self, fault_config: Faults, names: Iterable[str], limit: RateLimit) -> _Runtime:
        check_rate_limit(limit, self.contract)
        specs = defects.resolve(names, self.contract)
        _check_needs_rate_limit(specs, limit)
        stages = defects.install(with_rate_limit(self._base, limit, self._rate_clock), specs)
        chain = build_faults(fault_config, stages.context.render.error, self.config.seed)
        return _Runtime(stages, fault_config, chain, limit, Dispatcher(stages))

    @property
    def faults(self) -> Faults:
        """The faults switched on now."""
        return self._runtime.faults

    @property
    def defects(self) -> tuple[str, ...]:
        """The names of the defects switched on now."""
        return self._runtime.stages.defects

    @property
    def rate_limit(self) -> RateLimit:
        """The rate limit applied per key now."""
        return self._runtime.rate_limit

    def set_faults(self, fault_config: Faults) -> None:
        """Switch to `fault_config` (counters start afresh)."""
        self._runtime = self._build(fault_config, self.defects, self.rate_limit)

    def set_defects(self, names: Iterable[str]) -> None:
        """Switch on exactly the defects `names` (ConfigError for unknown names)."""
        self._runtime = self._build(self.faults, tuple(names), self.rate_limit)

    def set_rate_limit(self, limit: RateLimit) -> None:
        """Limit each key to `limit` (NO_LIMIT: off); every key starts afresh."""
        self._runtime = self._build(self.faults, self.defects, limit)

    def reset(self) -> None:
        """Forget every message; back to the faults, defects and rate limit of the config."""
        self.store.clear()
        self._base.context.webhooks.clear()
        self._base.context.outbox.clear()
        self._base.context.outbox.set_faults(self.config.webhook_faults)
        self._runtime = self._build(self.config.faults, self.config.defects, self.config.rate_limit)

    @property
    def webhook_faults(self) -> WebhookFaults:
        """The delivery webhooks' faults on now."""
        return self._base.context.outbox.faults

    def set_webhook_faults(self, faults: WebhookFaults) -> None:
        """Switch the delivery webhooks' faults (their counters start afresh)."""
        self._base.context.outbox.set_faults(faults)

    @property
    def outbox(self) -> Outbox:
        """The delivery webhooks on their way, and what became of them (`counts`)."""
        return self._base.context.outbox

    def close(self, timeout_s: float) -> bool:
        """Stop delivering webhooks (the queued ones are dropped); True once the worker ended."""
        return self._base.context.outbox.stop(timeout_s)

    def message(self, message_id: str) -> Message | None:
        """The message with `message_id` and its true timeline, whoever sent it."""
        return self.store.get(message_id)

    # -- ASGI ---------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection scope."""
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await _lifespan(receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = self._runtime
        names = self._base.context.names
        raw_path = scope.get("raw_path")
        request = read_request(
            scope["method"],
            raw_path if raw_path is not None else scope["path"].encode(),
            scope.get("query_string", b""),
            scope["headers"],
            names.key_header,
            names.basic_header,
        )
        if request.has_body:
            body = await self._read_body(request, receive)
            if body is None:
                return  # the client left
            # Over the limit, the rest stays unread: the checkpoints answer 413 (or what wins over it).
            request = request.body_refused() if isinstance(body, _BodyTooLarge) else request.with_body(body)
        try:
            outcome = await self._answer(request, runtime)
        except Exception:
            # A bug must still answer in the contract's shape, and loudly in the log.
            log.exception("simulator handler failed")
            outcome = self._internal_error(request, runtime)
        if isinstance(outcome, Drop):
            await _drop(scope, receive, send, runtime.stages.context.render.error(INJECTED_ERROR))
            return
        if request.too_large:
            outcome = outcome.closing()  # the unread body cannot be skipped on a kept connection
        await _send(send, outcome)

    def _internal_error(self, request: Request, runtime: _Runtime) -> Response:
        try:
            return runtime.dispatcher.fail(
                request, self._router.route(request.method, request.raw_path), INTERNAL_ERROR
            )
        except Exception:
            log.exception("simulator error rendering failed")
            return self.render.error(INTERNAL_ERROR)  # the plain contract shape, no defects

    async def _answer(self, request: Request, runtime: _Runtime) -> Outcome:
        """Route, then serve through the faults of the operation (if any are on)."""
        if self._control is not None and self._control.owns(request.raw_path):
            return self._control.handle(request)
        routing = self._router.route(request.method, request.raw_path)
        chain = runtime.chain
        if chain is None or routing.op not in chain.operations:
            return runtime.dispatcher(request, routing)
        dispatcher = runtime.dispatcher
        return await chain.run(request, lambda served: dispatcher(served, routing))

    async def _read_body(self, request: Request, receive: Receive) -> bytes | _BodyTooLarge | None:
        """Read the body up to the limit: the body, `_TOO_LARGE` when over it, None if gone."""
        limit = self.contract.send.body_max_bytes
        if request.content_length is not None:
            try:
                if int(request.content_length) > limit:
                    return _TOO_LARGE
            except ValueError:
                pass  # the HTTP layer vouches for framing; count the bytes instead
        chunks: list[bytes] = []
        size = 0
        while True:
            message = _chunk(await receive())
            if message.type == "http.disconnect":
                return None
            size += len(message.body)
            if size > limit:
                return _TOO_LARGE
            chunks.append(message.body)
            if not message.more_body:
                return b"".join(chunks)


def _check_needs_rate_limit(specs: Iterable[DefectSpec], limit: RateLimit) -> None:
    """Refuse defects that only show under a rate limit when none is on."""
    needing = [spec.name for spec in specs if spec.needs_rate_limit]
    if needing and limit.unlimited:
        raise ConfigError(
            f"defect(s) {', '.join(needing)} need a rate limit (--rate-limit production|trial|N/min,M/s)",
            key="defects",
        )


async def _send(send: Send, response: Response) -> None:
    await send({"type": "http.response.start", "status": response.status, "headers": response.asgi_headers()})
    await send({"type": "http.response.body", "body": response.body})


async def _drop(scope: Scope, receive: Receive, send: Send, fallback: Response) -> None:
    abort = scope.get("extensions", {}).get(ABORT_EXTENSION, {}).get("abort")
    if abort is None:
        # Served by a server that cannot drop: the nearest thing is a 500 that closes.
        await _send(send, fallback.closing())
        return
    abort()
    # Returning before the server notices the disconnect would make it answer 500 itself.
    try:
        async with asyncio.timeout(_DROP_WAIT_S):
            while (await receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        log.warning("dropped connection was not reported closed")


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
