"""Transport faults as small composable pieces: latency, 500s, dropped connections, garbage, stalls.

Faults are not contract violations (defects/ has those); they are the weather a probe
and a load test must cope with. Each piece wraps the next like middleware; `build`
chains the ones a `Faults` config switches on, and the app skips the chain entirely
when none is on, so a healthy simulator pays nothing for them.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Final, Protocol

from gatewatch.simulator.config import Faults
from gatewatch.simulator.errors import INJECTED_ERROR, ApiError
from gatewatch.simulator.http import Request, Response, is_success


class Drop:
    """The answer of a dropped connection: close it, say nothing."""

    __slots__ = ()


DROP: Final = Drop()

Outcome = Response | Drop
Next = Callable[[Request], Awaitable[Outcome]]
#: Renders an error in the contract's shape.
Render = Callable[[ApiError], Response]


class Fault(Protocol):
    """One piece of misbehaviour around the next handler."""

    async def __call__(self, request: Request, call_next: Next) -> Outcome:
        """Answer `request`, calling `call_next` for the real answer when it needs one."""


class Spread:
    """Hits a fraction of calls, evenly: rate 0.25 hits calls 4, 8, 12, ..."""

    __slots__ = ("_credit", "rate")

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._credit = 0.0

    def hit(self) -> bool:
        """True when this call is one of the fraction."""
        self._credit += self.rate
        # The epsilon keeps rates like 0.1 from drifting a call late through rounding.
        if self._credit >= 1.0 - 1e-9:
            self._credit -= 1.0
            return True
        return False


class Latency:
    """Waits `fixed_s` plus up to `jitter_s` (seeded, so runs repeat) before answering."""

    def __init__(self, fixed_s: float, jitter_s: float, seed: int) -> None:
        self.fixed_s = fixed_s
        self.jitter_s = jitter_s
        self._random = random.Random(seed)

    async def __call__(self, request: Request, call_next: Next) -> Outcome:
        delay = self.fixed_s + (self._random.uniform(0.0, self.jitter_s) if self.jitter_s else 0.0)
        await asyncio.sleep(delay)
        return await call_next(request)


class Stall:
    """Freezes the whole simulator for `stall_s` on a fraction of requests: a process pause.

    It blocks the event loop on purpose, so every connection waits, as behind a garbage
    collector's pause or a stopped VM: what a load generator must not hide (coordinated
    omission). One request's own delay is `Latency`.
    """

    def __init__(self, stall_s: float, rate: float) -> None:
        self.stall_s = stall_s
        self._spread = Spread(rate)

    async def __call__(self, request: Request, call_next: Next) -> Outcome:
        if self._spread.hit():
            time.sleep(self.stall_s)  # blocking on purpose: the loop stops
        return await call_next(request)


class ServerErrors:
    """Answers a fraction of requests 500 with the error body instead of handling them."""

    def __init__(self, rate: float, render: Render) -> None:
        self._spread = Spread(rate)
        self._answer = render(INJECTED_ERROR)

    async def __call__(self, request: Request, call_next: Next) -> Outcome:
        if self._spread.hit():
            return self._answer
        return await call_next(request)


class Drops:
    """Closes the connection of a fraction of requests without answering."""

    def __init__(self, rate: float) -> None:
        self._spread = Spread(rate)

    async def __call__(self, request: Request, call_next: Next) -> Outcome:
        if self._spread.hit():
            return DROP
        return await call_next(request)


class Malformed:
    """Cuts a fraction of successful JSON answers in half: a 200 whose body does not parse."""

    def __init__(self, rate: float) -> None:
        self._spread = Spread(rate)

    async def __call__(self, request: Request, call_next: Next) -> Outcome:
        outcome = await call_next(request)
        if isinstance(outcome, Response) and is_success(outcome.status) and self._spread.hit():
            # Any strict prefix of a JSON object lacks its closing brace, so it never parses.
            cut = outcome.body[: len(outcome.body) // 2]
            return Response(outcome.status, cut, outcome.content_type, outcome.headers)
        return outcome


class FaultChain:
    """The faults a config switches on, outermost first, for the operations in scope."""

    def __init__(self, faults: tuple[Fault, ...], operations: frozenset[str]) -> None:
        self.faults = faults
        self.operations = operations

    async def run(self, request: Request, endpoint: Callable[[Request], Response]) -> Outcome:
        """Answer `request` through every fault, the innermost calling `endpoint`."""

        async def innermost(req: Request) -> Outcome:
            return endpoint(req)

        call: Next = innermost
        for fault in reversed(self.faults):
            call = _bind(fault, call)
        return await call(request)


def _bind(fault: Fault, call_next: Next) -> Next:
    async def call(request: Request) -> Outcome:
        return await fault(request, call_next)

    return call


def build(faults: Faults, render: Render, seed: int = 0) -> FaultChain | None:
    """The chain for `faults` (500s rendered by `render`), or None when nothing is switched on."""
    if not faults.active:
        return None
    pieces: list[Fault] = []
    if faults.latency_ms or faults.jitter_ms:
        pieces.append(Latency(faults.latency_ms / 1000, faults.jitter_ms / 1000, seed))
    if faults.stall_ms and faults.stall_rate:
        pieces.append(Stall(faults.stall_ms / 1000, faults.stall_rate))
    if faults.drop_rate:
        pieces.append(Drops(faults.drop_rate))
    if faults.error_rate:
        pieces.append(ServerErrors(faults.error_rate, render))
    if faults.malformed_rate:
        pieces.append(Malformed(faults.malformed_rate))
    return FaultChain(tuple(pieces), faults.operations)
