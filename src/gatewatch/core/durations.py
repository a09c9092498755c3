"""Durations, one syntax for every flag and file: `500ms`, `30s`, `5m`, `1h30m`, `1d`, or seconds.

Terms are a number and a unit (ms, s, m, h, d), largest first, each unit at most once:
`1h30m`, `2m30s`, `1.5s`. A bare number is seconds. Anything else is a ConfigError
naming the flag, with an example.
"""

from __future__ import annotations

import math
import re

from gatewatch.core.errors import ConfigError

_UNITS_S = {"d": 86_400.0, "h": 3_600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_ORDER = list(_UNITS_S)
_TERM = re.compile(r"(\d+(?:\.\d+)?)(ms|d|h|m|s)")
EXAMPLE = "500ms, 30s, 5m or 1h30m"


def parse_duration(text: str, *, key: str, allow_zero: bool = False) -> float:
    """Seconds in `text` (see the module docstring); ConfigError names `key` when it is not one."""
    value = text.strip().lower()
    seconds = _bare(value)
    if seconds is None:
        seconds = _terms(value)
    if seconds is None or not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        wanted = "a duration" if allow_zero else "a positive duration"
        raise ConfigError(f"expected {wanted} like {EXAMPLE}, got {text!r}", key=key)
    return seconds


def _bare(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _terms(value: str) -> float | None:
    position, total, last = 0, 0.0, -1
    while position < len(value):  # bounded: each pass consumes at least one character
        match = _TERM.match(value, position)
        if match is None:
            return None
        rank = _ORDER.index(match.group(2))
        if rank <= last:
            return None  # units out of order or repeated: 30s5m, 1m1m
        last = rank
        total += float(match.group(1)) * _UNITS_S[match.group(2)]
        position = match.end()
    return total if value else None


def format_duration(seconds: float) -> str:
    """`seconds` in the same syntax, shortest form: 0.5 -> 500ms, 90 -> 1m30s."""
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    parts = []
    remaining = seconds
    for unit in ("d", "h", "m"):
        count = int(remaining // _UNITS_S[unit])
        if count:
            parts.append(f"{count}{unit}")
            remaining -= count * _UNITS_S[unit]
    if remaining or not parts:
        parts.append(f"{remaining:g}s")
    return "".join(parts)
