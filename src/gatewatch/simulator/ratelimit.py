"""The simulator's own rate limiter: sliding 60 s and 1 s windows per API key.

This is the gateway's side, on the simulator's hot path: one deque of timestamps per key,
appended in time order, so every check is O(1) amortised with no sorting or scanning.
A refused request is not counted, so a client that waits `retry_after_s` as told gets
through. Standalone: it imports nothing from gatewatch.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Decision", "KeyLimiter"]

MINUTE_S = 60.0
SECOND_S = 1.0


@dataclass(frozen=True, slots=True)
class Decision:
    """The limiter's answer to one request, and what the rate-limit headers report.

    `limit` is the per-minute limit if set, else the per-second one (0 when unlimited);
    `remaining` is what is left in that window after this request (never negative);
    `retry_after_s` is at least 1 when refused and 0 when allowed.
    """

    allowed: bool
    limit: int
    remaining: int
    retry_after_s: int


_UNLIMITED = Decision(allowed=True, limit=0, remaining=0, retry_after_s=0)


class KeyLimiter:
    """Per-key sliding-window limits of `per_minute` and/or `per_second` requests.

    Not thread-safe: it is meant for the simulator's single event loop. Memory is bounded:
    at most `max_keys` keys (the least recently used is forgotten, and starts afresh if it
    comes back) and per key at most max(per_minute, per_second) timestamps. With neither
    limit set every request is allowed and nothing is stored.
    """

    def __init__(
        self,
        per_minute: int | None,
        per_second: int | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        for name, value in (("per_minute", per_minute), ("per_second", per_second)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
        if isinstance(max_keys, bool) or not isinstance(max_keys, int) or max_keys < 1:
            raise ValueError(f"max_keys must be a positive integer, got {max_keys!r}")
        self._per_minute = per_minute
        self._per_second = per_second
        self._clock = clock
        self._max_keys = max_keys
        # The reported window: the minute if limited, else the second.
        self._limit = per_minute if per_minute is not None else (per_second or 0)
        self._span = MINUTE_S if per_minute is not None else SECOND_S
        # Enough stamps to judge both windows: the newest per_second ones decide the
        # second, the newest per_minute ones the minute.
        self._depth = max(per_minute or 0, per_second or 0)
        self._keys: OrderedDict[str, deque[float]] = OrderedDict()

    @property
    def per_minute(self) -> int | None:
        """Requests allowed per key in any 60 s, or None."""
        return self._per_minute

    @property
    def per_second(self) -> int | None:
        """Requests allowed per key in any 1 s, or None."""
        return self._per_second

    def __len__(self) -> int:
        """The number of keys tracked."""
        return len(self._keys)

    def footprint(self) -> tuple[int, int]:
        """(keys, timestamps) held now, for checking the memory bound."""
        return len(self._keys), sum(len(stamps) for stamps in self._keys.values())

    def hit(self, key: str) -> Decision:
        """Count one request for `key` if both windows allow it, and say whether they did."""
        if self._depth == 0:
            return _UNLIMITED
        now = self._clock()
        stamps = self._keys.get(key)
        if stamps is None:
            stamps = deque(maxlen=self._depth)
            self._keys[key] = stamps
            while len(self._keys) > self._max_keys:
                self._keys.popitem(last=False)
        else:
            self._keys.move_to_end(key)
        decision = self._decide(stamps, now)
        if decision.allowed:
            stamps.append(now)
        return decision

    def peek(self, key: str) -> Decision:
        """What `hit(key)` would decide now, without counting; `remaining` is what is left now."""
        if self._depth == 0:
            return _UNLIMITED
        stamps = self._keys.get(key)
        if stamps is None:
            return Decision(allowed=True, limit=self._limit, remaining=self._limit, retry_after_s=0)
        decision = self._decide(stamps, self._clock())
        if decision.allowed:
            # _decide reports the remainder after the request; nothing was counted.
            return Decision(True, decision.limit, decision.remaining + 1, 0)
        return decision

    def _decide(self, stamps: deque[float], now: float) -> Decision:
        # Drop what left the reported (longest) window; the rest is its count.
        horizon = now - self._span
        while stamps and stamps[0] <= horizon:
            stamps.popleft()
        wait = 0.0
        for allowed, span in ((self._per_minute, MINUTE_S), (self._per_second, SECOND_S)):
            if allowed is None or len(stamps) < allowed:
                continue
            # The allowed-th newest request must leave the window before one more fits.
            leaving = stamps[-allowed]
            if leaving > now - span:
                wait = max(wait, leaving + span - now)
        used = len(stamps)
        if wait > 0.0:
            return Decision(
                allowed=False,
                limit=self._limit,
                remaining=max(0, self._limit - used),
                retry_after_s=max(1, math.ceil(wait)),
            )
        return Decision(
            allowed=True, limit=self._limit, remaining=max(0, self._limit - used - 1), retry_after_s=0
        )
