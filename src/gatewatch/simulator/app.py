"""The simulator as a raw ASGI app: size limit, routing, method, then the handler.

A raw app rather than a framework keeps the lookup hot path short (one header pass, one
dict lookup per stage). The behaviour that may change at runtime (faults, defects) is a
single immutable `_Runtime` swapped in one assignment, so a test thread can change it
while the event loop serves requests without locks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

from gatewatch.contract import Contract
from gatewatch.simulator import control, defects
from gatewatch.simulator.config import Faults, SimulatorConfig
from gatewatch.simulator.faults import INJECTED_ERROR, Drop, FaultChain, Outcome
from gatewatch.simulator.faults import build as build_faults
from gatewatch.simulator.routes import Router
from gatewatch.simulator.stages import INTERNAL_ERROR, Stages, conforming
from gatewatch.simulator.store import Message, MessageStore
from gatewatch.simulator.wire import ApiError, Code, Request, Response, error_response

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: The ASGI scope extension ({"abort": callable}) through which the server lets the app
#: drop a connection without answering.
ABORT_EXTENSION = "gatewatch.abort"
# How long a dropped connection may take to be noticed as gone.
_DROP_WAIT_S = 2.0

log = logging.getLogger(__name__)

_NOT_FOUND = ApiError(404, Code.NOT_FOUND, "no such path")


@dataclass(frozen=True, slots=True)
class _Runtime:
    stages: Stages
    faults: Faults
    chain: FaultChain | None


class GatewayApp:
    """The ASGI app of one simulator: the contract's API, plus /_control when enabled."""

    def __init__(
        self,
        contract: Contract,
        config: SimulatorConfig,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        config.check_against(contract)
        self.contract = contract
        self.config = config
        self.store = MessageStore(config.max_messages)
        self._clock = clock
        self._base = conforming(contract, config, self.store, clock)
        self._router = Router(contract, config.base_path)
        self._auth_header = contract.auth_header.lower().encode("latin-1")
        self._too_large = ApiError(
            413,
            Code.PAYLOAD_TOO_LARGE,
            f"the request body is over {contract.send_body_max_bytes} bytes",
        )
        self._control = control.Control(self) if config.control else None
        self._runtime = self._build(config.faults, config.defects)

    # -- runtime behaviour --------------------------------------------------------------

    def _build(self, fault_config: Faults, names: Iterable[str]) -> _Runtime:
        specs = defects.resolve(names, self.contract)
        stages = defects.install(self._base, specs)
        return _Runtime(stages, fault_config, build_faults(fault_config, self.config.seed))

    @property
    def faults(self) -> Faults:
        """The faults switched on now."""
        return self._runtime.faults

    @property
    def defects(self) -> tuple[str, ...]:
        """The names of the defects switched on now."""
        return self._runtime.stages.defects

    def set_faults(self, fault_config: Faults) -> None:
        """Switch to `fault_config` (counters start afresh)."""
        self._runtime = self._build(fault_config, self.defects)

    def set_defects(self, names: Iterable[str]) -> None:
        """Switch on exactly the defects `names` (ConfigError for unknown names)."""
        self._runtime = self._build(self.faults, tuple(names))

    def reset(self) -> None:
        """Forget every message and go back to the faults and defects of the config."""
        self.store.clear()
        self._runtime = self._build(self.config.faults, self.config.defects)

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
        request = Request(scope, self._auth_header)
        if request.has_body:
            complete = await self._read_body(request, receive)
            if complete is None:
                return  # the client left
            if not complete:
                # The rest of the body stays unread, so the connection cannot be reused.
                answer = runtime.stages.fail(request, self._too_large)
                closing = Response(
                    answer.status, answer.body, answer.content_type, answer.headers, close=True
                )
                await _send(send, closing)
                return
        try:
            outcome = await self._answer(request, runtime)
        except Exception:
            # A bug must still answer in the contract's shape, and loudly in the log.
            log.exception("simulator handler failed")
            outcome = runtime.stages.fail(request, INTERNAL_ERROR)
        if isinstance(outcome, Drop):
            await _drop(scope, receive, send)
        else:
            await _send(send, outcome)

    async def _answer(self, request: Request, runtime: _Runtime) -> Outcome:
        """Unknown path (404), then method (405), then the operation's handler."""
        st = runtime.stages
        if self._control is not None and self._control.owns(request.raw_path):
            return self._control.handle(request)
        matched = self._router.match(request.raw_path)
        if matched is None:
            return st.fail(request, _NOT_FOUND)
        route, param = matched
        handler = route.methods.get(request.method)
        request.op = route.op
        if handler is None:
            error = ApiError(405, Code.METHOD_NOT_ALLOWED, f"use {route.allow.decode()} on this path")
            answer = st.fail(request, error)
            allow = (*answer.headers, (b"allow", route.allow))
            return Response(answer.status, answer.body, answer.content_type, allow)
        request.route_channel = route.channel
        request.path_param = param
        chain = runtime.chain
        if chain is None or request.op not in chain.operations:
            return handler(request, st)
        return await chain.run(request, lambda req: handler(req, st))

    async def _read_body(self, request: Request, receive: Receive) -> bool | None:
        """Read the body up to the limit: True when read, False when over it, None if gone."""
        limit = self.contract.send_body_max_bytes
        if request.content_length is not None:
            try:
                if int(request.content_length) > limit:
                    return False
            except ValueError:
                pass  # the HTTP layer vouches for framing; count the bytes instead
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return False
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        request.body = b"".join(chunks)
        return True


async def _send(send: Send, response: Response) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": response.asgi_headers(),
        }
    )
    await send({"type": "http.response.body", "body": response.body})


async def _drop(scope: Scope, receive: Receive, send: Send) -> None:
    abort = scope.get("extensions", {}).get(ABORT_EXTENSION, {}).get("abort")
    if abort is None:
        # Served by a server that cannot drop: the nearest thing is a 500 that closes.
        answer = error_response(INJECTED_ERROR)
        await _send(send, Response(answer.status, answer.body, close=True))
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
