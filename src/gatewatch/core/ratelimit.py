"""The harness's side of the gateway's rate limits: what a limit is, and staying under it.

A `RateLimit` is parsed from a flag (`--rate-limit 1000/min,50/s`, a plan name, or `none`)
or a targets-file table. A `Pacer` keeps the harness's own traffic below a fraction of that
limit, so the harness never trips the limiter it is not testing. `retry_after_s` and
`header_int` read what a 429 (or any answer) says about the limit.

This module is standalone: it imports nothing from gatewatch but `ConfigError`.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

from gatewatch.core.errors import ConfigError

__all__ = [
    "NO_LIMIT",
    "Pacer",
    "PacingTimeout",
    "RateLimit",
    "header_int",
    "parse_rate_limit",
    "rate_limit_from_table",
    "retry_after_s",
]

MINUTE_S = 60.0
# The share of a limit the harness allows itself when its contract names none (a dialect
# without rate limits, on a target that has one); rules.yaml's rate_limits.harness.pace_fraction
# is the contract's own.
DEFAULT_PACE_FRACTION = 0.9
SECOND_S = 1.0

# One rate term: "1000/min", "50 / s". The unit spellings map to a window below.
_TERM = re.compile(r"([0-9]+)\s*/\s*([a-z]+)")
_UNITS = {
    "min": "per_minute",
    "m": "per_minute",
    "minute": "per_minute",
    "s": "per_second",
    "sec": "per_second",
    "second": "per_second",
}
_EXAMPLE = "N/min,M/s (e.g. 1000/min,50/s)"
# A plain number of seconds (or an epoch time) in a header; signs allowed so that a
# negative value clamps to 0 instead of falling through to the next source.
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
# Above this a "reset" header's number is an epoch time, not a count of seconds.
_EPOCH_THRESHOLD = 10**9


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A gateway rate limit: requests per minute and/or per second; neither set means unlimited."""

    per_minute: int | None = None
    per_second: int | None = None

    def __post_init__(self) -> None:
        for name in ("per_minute", "per_second"):
            value = getattr(self, name)
            # bool is an int subclass; `True` as a rate is a typo, not 1/min.
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ConfigError(f"{name} must be a positive integer or absent, got {value!r}")

    @property
    def unlimited(self) -> bool:
        """True when no window is limited."""
        return self.per_minute is None and self.per_second is None

    def windows(self) -> tuple[tuple[float, int], ...]:
        """The limited windows as (seconds, allowed requests), longest first."""
        found: list[tuple[float, int]] = []
        if self.per_minute is not None:
            found.append((MINUTE_S, self.per_minute))
        if self.per_second is not None:
            found.append((SECOND_S, self.per_second))
        return tuple(found)

    def __str__(self) -> str:
        parts = []
        if self.per_minute is not None:
            parts.append(f"{self.per_minute}/min")
        if self.per_second is not None:
            parts.append(f"{self.per_second}/s")
        return ",".join(parts) if parts else "none"


NO_LIMIT = RateLimit()


def parse_rate_limit(text: str, plans: Mapping[str, RateLimit], *, key: str = "--rate-limit") -> RateLimit:
    """The `RateLimit` a flag's text names: `none`, a plan from `plans`, or `N/min,M/s` terms."""
    wanted = text.strip()
    if wanted.lower() == "none":
        return NO_LIMIT
    if wanted in plans:
        return plans[wanted]
    # Plan names are lower-case by convention; accept `Production` too.
    lowered = {name.lower(): limit for name, limit in plans.items()}
    if wanted.lower() in lowered:
        return lowered[wanted.lower()]

    def refuse(why: str = "") -> ConfigError:
        names = ["none", *(name for name in plans if name != "none")]
        choices = ", ".join(names)
        return ConfigError(f"{why}expected {choices} or {_EXAMPLE}, got {text!r}", key=key)

    found: dict[str, int] = {}
    for term in wanted.lower().split(","):
        match = _TERM.fullmatch(term.strip())
        if match is None or match.group(2) not in _UNITS:
            raise refuse()
        window = _UNITS[match.group(2)]
        if window in found:
            raise refuse(f"{window} given twice: ")
        count = int(match.group(1))
        if count < 1:
            raise refuse("rates must be at least 1: ")
        found[window] = count
    return RateLimit(per_minute=found.get("per_minute"), per_second=found.get("per_second"))


def rate_limit_from_table(doc: Mapping[str, object], *, file: str, key: str) -> RateLimit:
    """The `RateLimit` of a TOML table `{per_minute = 1000, per_second = 50}` (either key optional)."""
    if not isinstance(doc, Mapping):
        raise ConfigError(
            f"expected a table like {{per_minute = 1000, per_second = 50}}, got {type(doc).__name__}",
            file=file,
            key=key,
        )
    unknown = sorted(str(name) for name in doc if name not in ("per_minute", "per_second"))
    if unknown:
        raise ConfigError(
            f"unknown key(s) {', '.join(unknown)}; expected per_minute and/or per_second",
            file=file,
            key=key,
        )
    values: dict[str, int | None] = {}
    for name in ("per_minute", "per_second"):
        value = doc.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ConfigError(f"expected a positive integer, got {value!r}", file=file, key=f"{key}.{name}")
        values[name] = value
    return RateLimit(per_minute=values["per_minute"], per_second=values["per_second"])


class PacingTimeout(RuntimeError):
    """`Pacer.acquire` would have had to wait longer than its `max_wait_s`."""


class Pacer:
    """Keeps the harness's own request rate at or below a fraction of a `RateLimit`.

    In every trailing 60 s and 1 s window the requests recorded stay at or below
    `floor(fraction * limit)` (at least 1). Thread-safe: the state is behind a lock, and
    waiting happens outside it so other threads can record meanwhile.
    """

    # acquire() retries after each sleep because another thread may have taken the slot;
    # this bounds the retries even if time stood still.
    _MAX_ROUNDS = 1000
    # Added to each computed wait so that, after sleeping exactly that long, the request
    # that had to leave the window has left it despite float rounding.
    _EPSILON_S = 1e-6
    # A hard bound on the timestamps kept, for an unlimited pacer recording at any rate;
    # counts() saturates beyond it.
    _MAX_STAMPS = 200_000

    def __init__(
        self,
        limit: RateLimit,
        *,
        fraction: float = DEFAULT_PACE_FRACTION,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_wait_s: float = 120.0,
    ) -> None:
        if not 0.0 < fraction <= 1.0:
            raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
        if not max_wait_s >= 0.0:
            raise ValueError(f"max_wait_s must be >= 0, got {max_wait_s!r}")
        self._limit = limit
        self._fraction = fraction
        self._clock = clock
        self._sleep = sleep
        self._max_wait_s = max_wait_s
        self._caps = tuple((window, _cap(fraction, allowed)) for window, allowed in limit.windows())
        self._stamps: deque[float] = deque(maxlen=self._MAX_STAMPS)
        self._requests = 0
        self._lock = threading.Lock()

    @property
    def limit(self) -> RateLimit:
        """The gateway's limit this pacer stays under."""
        return self._limit

    @property
    def fraction(self) -> float:
        """The share of the limit this pacer allows itself."""
        return self._fraction

    @property
    def requests(self) -> int:
        """Requests recorded so far, paced or not."""
        with self._lock:
            return self._requests

    def acquire(self) -> float:
        """Wait until one more request stays under the caps, record it, and return the seconds waited.

        Raises `PacingTimeout` when the wait would exceed `max_wait_s`.
        """
        start = self._clock()
        wait = 0.0
        for _ in range(self._MAX_ROUNDS):
            with self._lock:
                now = self._clock()
                wait = self._wait_locked(now, self._caps, 1)
                if wait <= 0.0:
                    self._record_locked(now)
                    return max(0.0, now - start)
            waited = max(0.0, now - start)
            if waited + wait > self._max_wait_s:
                raise PacingTimeout(
                    f"pacing under {self._fraction:g} of {self._limit} needs {waited + wait:.3f} s, "
                    f"more than max_wait_s={self._max_wait_s:g}"
                )
            self._sleep(wait)
        raise PacingTimeout(
            f"pacing under {self._fraction:g} of {self._limit} did not get a slot in "
            f"{self._MAX_ROUNDS} tries (last wait {wait:.3f} s)"
        )

    def record(self) -> None:
        """Count a request made without pacing (a deliberate burst)."""
        with self._lock:
            self._record_locked(self._clock())

    def counts(self) -> tuple[int, int]:
        """Requests recorded in the trailing 1 s and the trailing 60 s, now."""
        with self._lock:
            now = self._clock()
            self._prune_locked(now)
            return self._count_locked(now, SECOND_S), len(self._stamps)

    def under(self, fraction: float | None = None) -> bool:
        """True when both windows' counts are at or below `fraction` (default: the pacer's) of the limit.

        The cap is `floor(fraction * limit)` but at least 1, as in pacing, so a stream this
        pacer paced is always under. Always False when unlimited: there is nothing to be under.
        """
        share = self._fraction if fraction is None else fraction
        if not share > 0.0:
            raise ValueError(f"fraction must be > 0, got {share!r}")
        if self._limit.unlimited:
            return False
        with self._lock:
            now = self._clock()
            self._prune_locked(now)
            return all(
                self._count_locked(now, window) <= _cap(share, allowed)
                for window, allowed in self._limit.windows()
            )

    def room(self, n: int) -> float:
        """Seconds to wait until `n` more requests fit in each window at the full limit (before a burst).

        0 when unlimited or when they fit now. An `n` above a window's limit is taken as
        that limit: the wait is then until the window is empty, the most room there can be.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n!r}")
        if n == 0 or self._limit.unlimited:
            return 0.0
        with self._lock:
            now = self._clock()
            self._prune_locked(now)
            return max(
                self._wait_locked(now, ((window, allowed),), min(n, allowed))
                for window, allowed in self._limit.windows()
            )

    def _record_locked(self, now: float) -> None:
        self._prune_locked(now)
        self._stamps.append(now)
        self._requests += 1

    def _prune_locked(self, now: float) -> None:
        # Only the trailing minute matters; older stamps are dropped to bound memory.
        horizon = now - MINUTE_S
        stamps = self._stamps
        while stamps and stamps[0] <= horizon:
            stamps.popleft()

    def _count_locked(self, now: float, window: float) -> int:
        if window >= MINUTE_S:
            return len(self._stamps)  # pruned to the trailing minute already
        horizon = now - window
        count = 0
        for stamp in reversed(self._stamps):
            if stamp <= horizon:
                break
            count += 1
        return count

    def _wait_locked(self, now: float, caps: Sequence[tuple[float, int]], n: int) -> float:
        """Seconds until `n` more requests keep every (window, cap) at or below its cap; 0 if now."""
        self._prune_locked(now)
        wait = 0.0
        for window, cap in caps:
            inside = self._count_locked(now, window)
            excess = inside + n - cap
            if excess <= 0:
                continue
            # The `excess`-th oldest stamp inside the window must leave it; stamps are in
            # time order, and the inside ones are the last `inside`.
            leaving = self._stamps[len(self._stamps) - inside + excess - 1]
            wait = max(wait, leaving + window - now + self._EPSILON_S)
        return wait


def _cap(fraction: float, allowed: int) -> int:
    # At least 1, or a tiny limit would stop the harness altogether.
    return max(1, math.floor(fraction * allowed))


def _pairs(headers: Mapping[str, str] | Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(headers.items()) if isinstance(headers, Mapping) else list(headers)


def _header(pairs: Sequence[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    for found, value in pairs:
        if found.lower() == wanted:
            return value
    return None


def retry_after_s(
    headers: Mapping[str, str] | Sequence[tuple[str, str]],
    body: object,
    *,
    body_field: str | None,
    header_names: Sequence[str],
    now: float | None = None,
) -> float | None:
    """How many seconds a 429 says to wait, or None when it says nothing usable.

    Sources in order: the JSON body's numeric `body_field`; then each of `header_names`
    present (case-insensitive) holding seconds, an HTTP-date (Retry-After only) or, for a
    name containing "reset", an epoch time when the number exceeds 10**9. An unparseable
    source is skipped. Times in the past give 0. `now` is epoch seconds (default: time.time()).
    """
    if body_field is not None and isinstance(body, dict):
        value = body.get(body_field)
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value >= 0
        ):
            return float(value)
    pairs = _pairs(headers)
    for name in header_names:
        raw = _header(pairs, name)
        if raw is None:
            continue
        seconds = _header_seconds(name, raw.strip(), now)
        if seconds is not None:
            return seconds
    return None


def _header_seconds(name: str, raw: str, now: float | None) -> float | None:
    lowered = name.lower()
    if _NUMBER.fullmatch(raw):
        number = float(raw)
        if "reset" in lowered and number > _EPOCH_THRESHOLD:
            number -= time.time() if now is None else now
        return max(0.0, number)
    if lowered == "retry-after":
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            # RFC 5322's "-0000" parses as naive: the time is UTC with no stated zone.
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - (time.time() if now is None else now))
    return None


def header_int(headers: Mapping[str, str] | Sequence[tuple[str, str]], name: str) -> int | None:
    """A header's value as a non-negative int (name case-insensitive); None if absent or not one."""
    raw = _header(_pairs(headers), name)
    if raw is None:
        return None
    value = raw.strip()
    return int(value) if value.isascii() and value.isdigit() else None
