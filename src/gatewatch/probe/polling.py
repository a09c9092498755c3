"""When to look a message up: the channel's initial delay, then a backoff up to the deadline.

The schedule is a list of offsets from the send. Early lookups are close together, since
that is when a healthy gateway moves a message and when a tight bracket around each
change is worth most; later ones spread out, since a slow message costs lookups without
telling more. The last lookup is always at the deadline: it is the one that decides
"stuck". When the lookup budget cannot reach the deadline with the configured growth,
the growth is raised just enough that it can, so the budget always holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gatewatch.core.errors import ConfigError
from gatewatch.core.options.probe import (
    DEFAULT_BACKOFF_FACTOR,
    DEFAULT_FIRST_INTERVAL_S,
    DEFAULT_MAX_INTERVAL_S,
    DEFAULT_MAX_LOOKUPS,
    ProbeOptions,
)

# Bisection steps when stretching the growth factor; 60 halvings is float precision.
_SEARCH_STEPS = 60
_MAX_FACTOR = 1000.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """How lookups space out after the initial delay, and how many a message may cost."""

    first_interval_s: float = DEFAULT_FIRST_INTERVAL_S
    factor: float = DEFAULT_BACKOFF_FACTOR
    max_interval_s: float = DEFAULT_MAX_INTERVAL_S
    # Lookup calls per message, the confirmation of a final status included (500 retries
    # and reconnects are extra requests, counted but not planned).
    max_lookups: int = DEFAULT_MAX_LOOKUPS

    def __post_init__(self) -> None:
        if not (math.isfinite(self.first_interval_s) and self.first_interval_s > 0):
            raise ConfigError(f"expected a positive interval, got {self.first_interval_s!r}", key="backoff")
        if not (math.isfinite(self.factor) and self.factor >= 1.0):
            raise ConfigError(f"expected a growth factor >= 1, got {self.factor!r}", key="backoff")
        if not (self.max_interval_s >= self.first_interval_s):
            raise ConfigError("the longest interval must be at least the first", key="backoff")
        if self.max_lookups < 1:
            raise ConfigError(
                f"expected at least 1 lookup, got {self.max_lookups!r}",
                key=ProbeOptions.flag_of("max_lookups"),
            )


def _offsets(
    initial: float, deadline: float, first: float, factor: float, cap: float, slots: int
) -> list[float]:
    """Up to `slots` offsets from `initial`, growing by `factor` up to `cap`, before `deadline`."""
    offsets = [initial]
    t, interval = initial, first
    while len(offsets) < slots:  # bounded by slots
        t += interval
        if t >= deadline:
            break
        offsets.append(t)
        interval = min(interval * factor, cap)
    return offsets


def _reaches(offsets: list[float], deadline: float, first: float, factor: float, cap: float) -> bool:
    """True when the interval after the last offset would pass the deadline."""
    interval = min(first * factor ** (len(offsets) - 1), cap)
    return offsets[-1] + interval >= deadline


def schedule(
    initial_delay_s: float, deadline_s: float, backoff: Backoff, *, reserve: int = 0
) -> tuple[float, ...]:
    """Offsets (s after the send) to look up at: at most `max_lookups - reserve`, the last the deadline."""
    budget = max(1, backoff.max_lookups - reserve)
    if budget == 1 or initial_delay_s >= deadline_s:
        return (deadline_s,)
    slots = budget - 1  # the deadline takes the last one
    first, cap = backoff.first_interval_s, backoff.max_interval_s
    offsets = _offsets(initial_delay_s, deadline_s, first, backoff.factor, cap, slots)
    if len(offsets) < slots or _reaches(offsets, deadline_s, first, backoff.factor, cap):
        return (*offsets, deadline_s)
    # The budget runs out long before the deadline: grow faster (uncapped) so the
    # lookups still span it, rather than leaving one blind gap at the end.
    low, high = backoff.factor, _MAX_FACTOR
    for _ in range(_SEARCH_STEPS):
        mid = (low + high) / 2
        trial = _offsets(initial_delay_s, deadline_s, first, mid, math.inf, slots)
        if len(trial) < slots or _reaches(trial, deadline_s, first, mid, math.inf):
            high = mid
        else:
            low = mid
    offsets = _offsets(initial_delay_s, deadline_s, first, high, math.inf, slots)
    return (*offsets, deadline_s)


def confirm_wait(offsets: tuple[float, ...], now_offset: float, cap_s: float) -> float:
    """How long to wait before confirming a final status: the current interval, at most `cap_s`."""
    later = [o for o in offsets if o > now_offset]
    earlier = [o for o in offsets if o <= now_offset]
    if later and earlier:
        interval = later[0] - earlier[-1]
    elif len(offsets) > 1:
        interval = offsets[1] - offsets[0]
    else:
        interval = cap_s
    return max(0.0, min(interval, cap_s))
