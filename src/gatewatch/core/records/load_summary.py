"""The load test's load/summary.json, as `gatewatch.loadtest.summary` writes it and the report reads it.

Fields the page can do without are `X | None` (or have a default): a reader shows `-`
for them when an older or damaged file lacks them, and names the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gatewatch.core.records.codec import json_name

#: The format of the load summary; a reader refuses a newer one. Files without it are version 1.
LOAD_SUMMARY_VERSION = 1
#: The aggregate over every kind of request: a gate key, a report row and the summary's key.
ALL_KINDS = "all"
#: `latency_ms` counts from each request's scheduled start (open model): coordinated omission shows.
LATENCY_FROM_INTENDED = "intended start"
#: `latency_ms` counts from when the request was sent (closed model: the same as the service time).
LATENCY_FROM_SENT = "request start"


class GateStatus(StrEnum):
    """A gate's verdict, as the summary spells it."""

    PASS = "pass"
    FAIL = "fail"
    #: Not judged in this run (the kind is not in the mix, no ramp, ...), with the reason.
    SKIP = "skip"


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadTarget:
    """The target the load ran against."""

    name: str | None
    kind: str | None
    base_url: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class GateRecord:
    """One gate's verdict: what was measured against which limit."""

    name: str | None = field(metadata=json_name("gate"))
    status: str | None
    measured: float | None
    limit: float | None
    comparison: str | None
    unit: str | None
    detail: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class KindTotals:
    """Requests of one kind (or of all together): counts, and HDR latencies in ms (min, mean, max, pNN).

    `latency_ms` is the response time, from each request's intended start (the gated one);
    `service_latency_ms` from when it was actually sent (absent in files written before it).
    """

    requests: int | None
    failures: int | None
    warmup_requests: int | None
    throttled: int | None
    latency_ms: dict[str, float] | None
    service_latency_ms: dict[str, float] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class KindRecord(KindTotals):
    """One kind of request, with its Locust names."""

    name: str | None
    throttled_name: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ThrottledTotals:
    """429s: neither failures nor judged requests; the throttled-ratio gate judges them."""

    requests: int | None
    warmup_requests: int | None
    ratio: float | None
    by_kind: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class RampSecond:
    """One measured second of a ramp."""

    at_s: int
    offered: int
    throttled: int
    answered: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OnsetRecord:
    """Where throttling began, against the documented limit."""

    at_s: float
    offered_per_s: int
    offered_per_min: int
    fraction: float
    window: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RampRecord:
    """A ramp past the rate limit: its seconds, and where throttling began."""

    limit: str
    per_second: int
    from_fraction: float
    to_fraction: float
    seconds: tuple[RampSecond, ...]
    seconds_lost: int
    onset: OnsetRecord | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenModelRecord:
    """Open model: starts the schedule asked for, and those dropped, by reason."""

    scheduled: int | None
    dropped: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ViolationCount:
    """A rule broken in sampled answers: how often, and a few examples."""

    count: int | None
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CrossCheck:
    """Locust's own totals beside ours (Locust counts throttled rows as requests too)."""

    recorded_requests: int
    locust_requests: int
    locust_failures: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadSummary:
    """load/summary.json: the verdict, the gates, per-kind counts and HDR latencies, and the run's shape."""

    version: int = LOAD_SUMMARY_VERSION
    run_id: str | None
    passed: bool | None
    exit_code: int | None
    target: LoadTarget | None
    model: str | None  # "closed" or "open"
    users: int | None
    arrival_rate_rps: float | None
    workers: int | None
    mix: str | None
    validate_sample: float | None
    warmup_s: float | None
    precision: str | None
    #: What `latency_ms` counts from: LATENCY_FROM_INTENDED (open model) or LATENCY_FROM_SENT.
    latency_from: str | None = None
    gates: tuple[GateRecord, ...] = ()
    slo: dict[str, Any] | None  # the gates as declared (gatewatch.loadtest.gates.describe)
    kinds: dict[str, KindRecord] = field(default_factory=dict)
    every_kind: KindTotals | None = field(metadata=json_name(ALL_KINDS))
    throttled: ThrottledTotals | None
    ramp: RampRecord | None
    window_s: float | None
    throughput_rps: float | None
    open_model: OpenModelRecord | None
    latencies_clamped: int | None
    # Counted over the whole run, warm-up included; the gates count measured requests only.
    violations: dict[str, ViolationCount] = field(default_factory=dict)
    cross_check: CrossCheck | None
    setup_error: dict[str, Any] | None
