"""Ramp past the limit: an arrival rate from below to above the documented per-second limit.

With ``--ramp-past-limit`` the open model's rate is not fixed: it starts at
`RAMP_FROM` x the target's per-second limit, stays there through the warm-up, then grows
linearly to `RAMP_TO` x over the measured part of the run. Every second records what was
offered (scheduled starts) and how many answers were 429. The gate
(`throttle_onset_min_fraction`) passes when the first 429 came at or above that fraction
of the documented limit: a gateway that throttles far below what it documents fails.

A per-minute limit can legitimately be reached first (1000/min is under 50/s after 20 s
at 50/s): an onset counts as documented when either the second's offered rate or the
trailing minute's offered total is at or above the fraction of its limit.

Pure functions and value objects: no Locust, no clock of its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from gatewatch.core.errors import ConfigError
from gatewatch.core.options.load import LoadOptions
from gatewatch.core.ratelimit import RateLimit

RAMP_FROM = 0.5
RAMP_TO = 1.5
MINUTE = 60


class RateProfile(Protocol):
    """How many starts are due `t` seconds after the schedule's origin, and when start n is."""

    def count(self, t: float) -> float:
        """Starts due in [0, t] (fractional; negative before the origin)."""

    def time_of(self, n: int) -> float:
        """When start `n` (0-based) is due, in seconds after the origin."""


@dataclass(frozen=True, slots=True)
class ConstantRate:
    """`rate_per_s` starts a second, from the origin on."""

    rate_per_s: float

    def __post_init__(self) -> None:
        if not self.rate_per_s > 0:
            raise ValueError(f"rate must be positive, got {self.rate_per_s}")

    def count(self, t: float) -> float:
        """Rate x t."""
        return t * self.rate_per_s

    def time_of(self, n: int) -> float:
        """Start n is due n / rate seconds in."""
        return n / self.rate_per_s


@dataclass(frozen=True, slots=True)
class LinearRamp:
    """`start_rate` until `ramp_at`, then linearly to `end_rate` at `ramp_at + ramp_s`, then flat."""

    start_rate: float
    end_rate: float
    ramp_at: float  # seconds after the origin the ramp begins (the warm-up's end)
    ramp_s: float

    def __post_init__(self) -> None:
        if not (self.start_rate > 0 and self.end_rate > 0):
            raise ValueError(f"rates must be positive, got {self.start_rate}, {self.end_rate}")
        if self.ramp_at < 0 or self.ramp_s < 0:
            raise ValueError(f"the ramp must not begin before the origin or last < 0 s: {self}")

    @property
    def _slope(self) -> float:
        return (self.end_rate - self.start_rate) / self.ramp_s if self.ramp_s > 0 else 0.0

    def rate_at(self, t: float) -> float:
        """The rate `t` seconds after the origin (a ramp of no length is a step at `ramp_at`)."""
        if t >= self.ramp_at + self.ramp_s and t > self.ramp_at:
            return self.end_rate
        return self.start_rate + self._slope * max(t - self.ramp_at, 0.0)

    def count(self, t: float) -> float:
        """Starts due by `t`: the area under the rate."""
        a, d0 = self.start_rate, self.ramp_at
        if t <= d0:
            return a * t
        inside = min(t - d0, self.ramp_s)
        ramped = a * inside + self._slope * inside * inside / 2
        after = max(0.0, t - d0 - self.ramp_s) * self.end_rate
        return a * d0 + ramped + after

    def time_of(self, n: int) -> float:
        """The inverse of `count`: the flat part, the quadratic's root, then the flat end."""
        a, d0, b = self.start_rate, self.ramp_at, self._slope
        if n <= a * d0:
            return n / a
        m = n - a * d0
        ramp_total = a * self.ramp_s + b * self.ramp_s * self.ramp_s / 2
        if m > ramp_total:
            return d0 + self.ramp_s + (m - ramp_total) / self.end_rate
        if b == 0:
            return d0 + m / a
        # b/2 u^2 + a u - m = 0, the positive root (b > 0 on a ramp up; the formula holds for b < 0 too).
        return d0 + (-a + math.sqrt(a * a + 2 * b * m)) / b


@dataclass(frozen=True, slots=True)
class Second:
    """One wall-clock second of a run: starts offered, answers throttled, answers judged."""

    offered: int = 0
    throttled: int = 0
    answered: int = 0


@dataclass(frozen=True, slots=True)
class Onset:
    """When throttling began, and how that compares with the documented limit."""

    second: int  # epoch second of the first 429
    at_s: float  # seconds after the first measured second
    offered_per_s: int
    offered_per_min: int
    #: The larger of offered/s over the per-second limit and offered/min over the per-minute one.
    fraction: float
    window: str  # "second" or "minute": which limit the fraction is of


def onset(seconds: Mapping[int, Second], limit: RateLimit) -> Onset | None:
    """The first second with a 429, judged against `limit`; None when nothing was throttled."""
    ordered = sorted(seconds)
    first = next((s for s in ordered if seconds[s].throttled > 0), None)
    if first is None or not ordered:
        return None
    per_s = seconds[first].offered
    per_min = sum(seconds[s].offered for s in ordered if first - MINUTE < s <= first)
    candidates = []
    if limit.per_second is not None:
        candidates.append((per_s / limit.per_second, "second"))
    if limit.per_minute is not None:
        candidates.append((per_min / limit.per_minute, "minute"))
    fraction, window = max(candidates) if candidates else (0.0, "second")
    return Onset(first, float(first - ordered[0]), per_s, per_min, fraction, window)


@dataclass(frozen=True, slots=True)
class RampPlan:
    """What a ramp run offers: from `low` x to `high` x the per-second limit of `limit`."""

    limit: RateLimit
    low: float = RAMP_FROM
    high: float = RAMP_TO

    @property
    def per_second(self) -> int:
        """The documented per-second limit the ramp is built on."""
        if self.limit.per_second is None:
            raise ValueError(f"a ramp needs a per-second limit, {self.limit} has none")
        return self.limit.per_second

    def profile(self, base_rate: float, ramp_at: float, ramp_s: float) -> LinearRamp:
        """One dispatcher's ramp, `base_rate` being its share of the per-second limit.

        The ramp rises from `ramp_at` (seconds after the dispatcher starts) for `ramp_s` seconds.
        """
        return LinearRamp(base_rate * self.low, base_rate * self.high, max(0.0, ramp_at), max(0.0, ramp_s))


RAMP_FLAG = LoadOptions.flag_of("ramp")
NO_LIMIT_TO_RAMP = (
    "needs the target's per-second rate limit: pass --rate-limit N/s (or a plan such as production), "
    "or set rate_limit in the targets file"
)


def ramp_plan(limit: RateLimit) -> RampPlan:
    """The ramp past `limit`; a usage error (exit 2) when it has no per-second limit to ramp past."""
    if limit.per_second is None:
        raise ConfigError(f"{NO_LIMIT_TO_RAMP} (the target's is {limit})", key=RAMP_FLAG)
    return RampPlan(limit)
