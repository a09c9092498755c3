"""The canary's SLOs as configuration: objectives per channel, the schedule, flapping, burn rates.

Read from a YAML file (synthetic/slo.yaml is the shipped one); `gatewatch probe-rules`
turns it into Prometheus rules (`alert_rules`). Windows and `for:` durations are
configuration so a test can shrink hours to seconds; the defaults are the multiwindow,
multi-burn-rate pattern of Google's SRE workbook.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gatewatch.core.durations import parse_duration
from gatewatch.core.errors import ConfigError
from gatewatch.core.options.probe import DEFAULT_JOB
from gatewatch.core.yamlfile import read_yaml

#: The two SLIs: the share of runs delivered, and the share delivered within the channel's deadline.
DELIVERED = "delivered"
ON_TIME = "on_time"
SLIS = (DELIVERED, ON_TIME)
PAGE = "page"
TICKET = "ticket"


@dataclass(frozen=True, slots=True)
class Objectives:
    """Target shares of good runs, each in (0, 1)."""

    delivered: float = 0.99
    on_time: float = 0.95

    def of(self, sli: str) -> float:
        """The objective of `sli` (one of SLIS)."""
        return self.delivered if sli == DELIVERED else self.on_time


@dataclass(frozen=True, slots=True)
class BurnWindow:
    """Alert when the error budget burns `factor` times too fast over both windows."""

    factor: float
    long_s: int
    short_s: int


@dataclass(frozen=True, slots=True)
class BurnAlert:
    """One severity's burn-rate alert: any of its window pairs, held for `for_s`."""

    severity: str
    for_s: int
    windows: tuple[BurnWindow, ...]


DEFAULT_BURNS = (
    BurnAlert(PAGE, 120, (BurnWindow(14.4, 3600, 300), BurnWindow(6.0, 6 * 3600, 1800))),
    BurnAlert(TICKET, 3600, (BurnWindow(1.0, 3 * 86400, 6 * 3600),)),
)


@dataclass(frozen=True, slots=True)
class Slo:
    """Everything the rules are generated from."""

    schedule_s: int = 300
    job: str = DEFAULT_JOB
    default: Objectives = field(default_factory=Objectives)
    channels: Mapping[str, Objectives] = field(default_factory=dict)
    #: Alert on `flap_failures` failed runs among the last `flap_runs`.
    flap_failures: int = 3
    flap_runs: int = 5
    #: How long the failing, degraded and stale alerts must hold before they fire.
    hold_s: int = 0
    burns: tuple[BurnAlert, ...] = DEFAULT_BURNS

    def windows(self) -> list[int]:
        """Every SLI window the burn-rate alerts read, shortest first."""
        seen = {s for b in self.burns for w in b.windows for s in (w.long_s, w.short_s)}
        return sorted(seen)


def load_slo(path: Path) -> Slo:
    """Read an SLO file; ConfigError naming the file and key when it is wrong."""
    raw = read_yaml(path, cannot="cannot read it")
    try:
        return parse_slo(raw if raw is not None else {})
    except ConfigError as exc:
        raise ConfigError(str(exc), file=str(path)) from None


def parse_slo(raw: object) -> Slo:
    """An Slo from the parsed YAML (see synthetic/slo.yaml for the keys)."""
    top = _mapping(raw, "(top)", {"schedule", "job", "objectives", "flapping", "hold", "burn_rates"})
    objectives = _mapping(top.get("objectives", {}), "objectives", {"default", "channels"})
    default = _objectives(objectives.get("default", {}), "objectives.default", Objectives())
    channels = _mapping(objectives.get("channels", {}), "objectives.channels", None)
    flapping = _mapping(top.get("flapping", {}), "flapping", {"failures", "runs"})
    failures = _count(flapping.get("failures", 3), "flapping.failures")
    runs = _count(flapping.get("runs", 5), "flapping.runs")
    if failures > runs:
        raise ConfigError(f"failures ({failures}) cannot exceed runs ({runs})", key="flapping")
    burns = top.get("burn_rates")
    return Slo(
        schedule_s=_seconds(top.get("schedule", "5m"), "schedule"),
        job=_text(top.get("job", DEFAULT_JOB), "job"),
        default=default,
        channels={
            _text(name, "objectives.channels"): _objectives(value, f"objectives.channels.{name}", default)
            for name, value in channels.items()
        },
        flap_failures=failures,
        flap_runs=runs,
        hold_s=_seconds(top.get("hold", "0s"), "hold", allow_zero=True),
        burns=DEFAULT_BURNS if burns is None else _burns(burns),
    )


def _burns(raw: object) -> tuple[BurnAlert, ...]:
    burns = _mapping(raw, "burn_rates", {PAGE, TICKET})
    alerts = []
    for severity, value in burns.items():
        key = f"burn_rates.{severity}"
        spec = _mapping(value, key, {"for", "windows"})
        windows = spec.get("windows")
        if not isinstance(windows, list) or not windows:
            raise ConfigError("expected a non-empty list of {factor, long, short}", key=f"{key}.windows")
        alerts.append(
            BurnAlert(
                severity,
                _seconds(spec.get("for", "0s"), f"{key}.for", allow_zero=True),
                tuple(_window(w, f"{key}.windows[{i}]") for i, w in enumerate(windows)),
            )
        )
    return tuple(alerts)


def _window(raw: object, key: str) -> BurnWindow:
    spec = _mapping(raw, key, {"factor", "long", "short"})
    factor = spec.get("factor")
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not 0 < factor < math.inf:
        raise ConfigError(f"expected a positive number, got {factor!r}", key=f"{key}.factor")
    long_s = _seconds(spec.get("long"), f"{key}.long")
    short_s = _seconds(spec.get("short"), f"{key}.short")
    if short_s >= long_s:
        raise ConfigError("the short window must be shorter than the long one", key=key)
    return BurnWindow(float(factor), long_s, short_s)


def _objectives(raw: object, key: str, base: Objectives) -> Objectives:
    spec = _mapping(raw, key, set(SLIS))
    values = {sli: spec.get(sli, base.of(sli)) for sli in SLIS}
    for sli, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            raise ConfigError(
                f"expected a share between 0 and 1 (exclusive), got {value!r}", key=f"{key}.{sli}"
            )
    return Objectives(float(values[DELIVERED]), float(values[ON_TIME]))


def _mapping(raw: object, key: str, allowed: set[str] | None) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ConfigError(f"expected a mapping, got {type(raw).__name__}", key=key)
    unknown = sorted(str(k) for k in raw if allowed is not None and k not in allowed)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(allowed or ()))})", key=key)
    return {str(k): v for k, v in raw.items()}


def _seconds(raw: object, key: str, *, allow_zero: bool = False) -> int:
    """Whole seconds: Prometheus durations have no fractions."""
    if raw is None:
        raise ConfigError("missing", key=key)
    seconds = parse_duration(str(raw), key=key, allow_zero=allow_zero)
    if seconds != int(seconds):
        raise ConfigError(f"expected whole seconds, got {raw!r}", key=key)
    return int(seconds)


def _count(raw: object, key: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise ConfigError(f"expected a whole number of at least 1, got {raw!r}", key=key)
    return raw


def _text(raw: object, key: str) -> str:
    if not isinstance(raw, str) or not raw:
        raise ConfigError(f"expected a name, got {raw!r}", key=key)
    return raw
