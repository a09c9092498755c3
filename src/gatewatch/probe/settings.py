"""How a probe run is configured: per-channel delays and deadlines, durations, the backoff.

Defaults follow the vendor page ("a few seconds for SMS, potentially longer for RCS and
WhatsApp"): the contract lists the quick channel first, so the first channel waits
`DEFAULT_FIRST_DELAY_S` before its first lookup and every other one `DEFAULT_OTHER_DELAY_S`
(the same convention as the simulator's realistic preset). A target's `initial_delay_s`
and `deadlines_s` (targets file) override them, and flags override both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from gatewatch.contract import Contract
from gatewatch.core.config import LOCAL_KIND, MaintenanceWindow, Target
from gatewatch.core.durations import parse_duration
from gatewatch.core.errors import ConfigError
from gatewatch.core.options.probe import DEFAULT_CONFIRM_LOOKUPS, DEFAULT_PENDING_MAX_AGE_S, ProbeOptions
from gatewatch.probe.polling import Backoff

DEFAULT_FIRST_DELAY_S = 2.0
DEFAULT_OTHER_DELAY_S = 5.0
# A local simulator moves a message every 0.2 s by default: look early.
LOCAL_DELAY_S = 0.1
# A probe message says what it is, so a person who sees it on a handset knows.
DEFAULT_TEXT = "gatewatch synthetic probe {run_id}"


def parse_channel_durations(
    values: tuple[str, ...], channels: tuple[str, ...], *, key: str
) -> dict[str, float]:
    """`CHANNEL=DURATION` (or a bare DURATION for every channel) flags, as channel -> seconds."""
    found: dict[str, float] = {}
    for value in values:
        name, sep, duration = value.partition("=")
        if not sep:
            seconds = parse_duration(value, key=key)
            found.update(dict.fromkeys(channels, seconds))
            continue
        if name not in channels:
            raise ConfigError(f"unknown channel {name!r}; expected one of {list(channels)}", key=key)
        found[name] = parse_duration(duration, key=key)
    return found


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelPlan:
    """One channel's run: whom to send to, how long to wait first, and the deadline."""

    channel: str
    to: str
    initial_delay_s: float
    deadline_s: float
    #: Delivered slower than this (seconds) is degraded; None: never.
    degraded_after_s: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeSettings:
    """Everything a probe run needs besides the target and the clock."""

    plans: tuple[ChannelPlan, ...]
    backoff: Backoff = field(default_factory=Backoff)
    confirm_lookups: int = DEFAULT_CONFIRM_LOOKUPS
    # Reconnect attempts when a lookup's connection drops, before that lookup counts as missed.
    transport_retries: int = 2
    transport_retry_delay_s: float = 0.2
    # The longest wait before confirming a final status.
    confirm_wait_max_s: float = 2.0
    text: str = DEFAULT_TEXT
    pending_max_age_s: float = DEFAULT_PENDING_MAX_AGE_S
    max_pending: int = 50
    #: A failed (confirmable) run is followed at once by exactly one second probe.
    confirm_failures: bool = False
    maintenance: tuple[MaintenanceWindow, ...] = ()

    def maintenance_at(self, at: float, channel: str) -> MaintenanceWindow | None:
        """The maintenance window `at` (epoch seconds) falls in on `channel`, or None."""
        return next((w for w in self.maintenance if w.covers(at, channel)), None)

    def __post_init__(self) -> None:
        if not self.plans:
            raise ConfigError("expected at least one channel to probe", key=ProbeOptions.flag_of("channel"))
        if self.confirm_lookups < 0 or self.confirm_lookups >= self.backoff.max_lookups:
            raise ConfigError(
                f"expected 0 to {self.backoff.max_lookups - 1} confirmation lookups, "
                f"got {self.confirm_lookups}",
                key=ProbeOptions.flag_of("confirm_lookups"),
            )
        if self.transport_retries < 0 or self.transport_retries > 10:
            raise ConfigError("expected 0 to 10 reconnect attempts", key="transport_retries")


def default_initial_delay(contract: Contract, channel: str, local: bool) -> float:
    """The wait before the first lookup when nothing configures it."""
    if local:
        return LOCAL_DELAY_S
    return DEFAULT_FIRST_DELAY_S if channel == contract.channels[0] else DEFAULT_OTHER_DELAY_S


def channel_plans(
    target: Target,
    contract: Contract,
    *,
    channels: tuple[str, ...],
    to: str,
    deadline_s: float | None = None,
    initial_delays: Mapping[str, float] | None = None,
    degraded_after: Mapping[str, float] | None = None,
) -> tuple[ChannelPlan, ...]:
    """A plan per channel: flags first, then the target's settings, then the defaults."""
    plans = []
    for channel in channels:
        delay = (initial_delays or {}).get(channel)
        if delay is None:
            delay = target.initial_delay_s.get(channel, target.initial_delay_s.get("default"))
        if delay is None:
            delay = default_initial_delay(contract, channel, target.kind == LOCAL_KIND)
        deadline = target.deadline_for(channel) if deadline_s is None else deadline_s
        if delay >= deadline:
            raise ConfigError(
                f"{channel}: the initial delay ({delay:g} s) must be shorter than "
                f"the deadline ({deadline:g} s)",
                key=ProbeOptions.flag_of("initial_delays"),
            )
        degraded = (degraded_after or {}).get(channel, target.degraded_for(channel))
        if degraded is not None and degraded >= deadline:
            raise ConfigError(
                f"{channel}: the degraded threshold ({degraded:g} s) must be shorter than "
                f"the deadline ({deadline:g} s)",
                key=ProbeOptions.flag_of("degraded_after"),
            )
        plans.append(
            ChannelPlan(
                channel=channel, to=to, initial_delay_s=delay, deadline_s=deadline, degraded_after_s=degraded
            )
        )
    return tuple(plans)
