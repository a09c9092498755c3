"""SLO gates: read from a YAML file into frozen objects, evaluated against what a run measured.

The file (load/slo.yaml)::

    warmup_s: 5                      # not gated: requests started in the first 5 s
    latency_ms:                      # per kind (known, other_channel, unknown, batch) or all
      known: {p95: 200, p99: 500}
    max_failure_ratio: 0.01          # failed / measured requests, all kinds together
    min_throughput_rps: 20           # measured requests / measured seconds
    max_dropped_ratio: 0.01          # open model: dropped starts / scheduled starts
    max_throttled_ratio: 0.01        # 429s / requests made (skipped when ramping past the limit)
    throttle_onset_min_fraction: 0.8 # --ramp-past-limit only: the first 429 at >= 0.8 x the limit

Every key is optional except that at least one gate must be declared. Errors name the
file and the key. The failure-ratio gate, not any single failed request, decides a run.
Throttled requests (429) are neither failures nor judged requests: they have gates of
their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from gatewatch.core.errors import ConfigError
from gatewatch.core.records.load_summary import GateStatus
from gatewatch.core.yamlfile import read_yaml
from gatewatch.loadtest.kinds import ALL, KINDS
from gatewatch.loadtest.ramp import RampPlan, onset
from gatewatch.loadtest.recorder import Recorder

_TOP_KEYS = frozenset(
    {
        "warmup_s",
        "latency_ms",
        "max_failure_ratio",
        "min_throughput_rps",
        "max_dropped_ratio",
        "max_throttled_ratio",
        "throttle_onset_min_fraction",
    }
)
_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")


@dataclass(frozen=True, slots=True)
class LatencyGate:
    """The `percentile` of `kind`'s latency must be at most `limit_ms`."""

    kind: str
    percentile: float
    limit_ms: float

    @property
    def name(self) -> str:
        """E.g. `latency known p99`."""
        return f"latency {self.kind} p{self.percentile:g}"


@dataclass(frozen=True, slots=True)
class Slo:
    """The gates of a run and the warm-up they ignore."""

    source: str
    warmup_s: float = 0.0
    latency: tuple[LatencyGate, ...] = ()
    max_failure_ratio: float | None = None
    min_throughput_rps: float | None = None
    max_dropped_ratio: float | None = None
    max_throttled_ratio: float | None = None
    throttle_onset_min_fraction: float | None = None


@dataclass(frozen=True, slots=True)
class GateResult:
    """One gate's verdict: what was measured against which limit."""

    name: str
    status: GateStatus
    measured: float | None
    limit: float
    comparison: Literal["<=", ">="]
    unit: str
    detail: str = ""


def load_slo(path: Path | str) -> Slo:
    """The gates in the YAML file at `path`; a ConfigError names the file and key when wrong."""
    path = Path(path)
    file = str(path)
    return parse_slo(read_yaml(path, cannot="cannot read the SLO file"), file)


def parse_slo(doc: Any, file: str) -> Slo:
    """Validate an already parsed SLO document (see the module docstring for its form)."""
    if not isinstance(doc, dict):
        raise ConfigError("expected a mapping of gates at the top level", file=file)
    unknown = sorted(set(doc) - _TOP_KEYS)
    if unknown:
        raise ConfigError(f"unknown keys {unknown}; expected some of {sorted(_TOP_KEYS)}", file=file)
    slo = Slo(
        source=file,
        warmup_s=_number(doc.get("warmup_s", 0), file, "warmup_s", minimum=0),
        latency=_latency_gates(doc.get("latency_ms", {}), file),
        max_failure_ratio=_ratio(doc.get("max_failure_ratio"), file, "max_failure_ratio"),
        min_throughput_rps=_optional(doc.get("min_throughput_rps"), file, "min_throughput_rps"),
        max_dropped_ratio=_ratio(doc.get("max_dropped_ratio"), file, "max_dropped_ratio"),
        max_throttled_ratio=_ratio(doc.get("max_throttled_ratio"), file, "max_throttled_ratio"),
        throttle_onset_min_fraction=_fraction(
            doc.get("throttle_onset_min_fraction"), file, "throttle_onset_min_fraction"
        ),
    )
    gates = (slo.max_failure_ratio, slo.min_throughput_rps, slo.max_throttled_ratio)
    if not (slo.latency or any(g is not None for g in gates)):
        raise ConfigError("declares no gate: a run could never fail", file=file)
    return slo


def _number(value: Any, file: str, key: str, *, minimum: float = 0, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"expected a number, got {value!r}", file=file, key=key)
    if value < minimum or (positive and value <= 0):
        raise ConfigError(
            f"expected a number {'>' if positive else '>='} {minimum}, got {value}", file=file, key=key
        )
    return float(value)


def _optional(value: Any, file: str, key: str) -> float | None:
    return None if value is None else _number(value, file, key, positive=True)


def _ratio(value: Any, file: str, key: str) -> float | None:
    if value is None:
        return None
    ratio = _number(value, file, key)
    if ratio > 1:
        raise ConfigError(f"expected a ratio between 0 and 1, got {ratio}", file=file, key=key)
    return ratio


def _fraction(value: Any, file: str, key: str) -> float | None:
    """A fraction of a limit: above 0 and at most 1 (throttling may not be asked to start above it)."""
    if value is None:
        return None
    fraction = _number(value, file, key, positive=True)
    if fraction > 1:
        raise ConfigError(
            f"expected a fraction of the limit above 0 and at most 1, got {fraction}", file=file, key=key
        )
    return fraction


def _latency_gates(doc: Any, file: str) -> tuple[LatencyGate, ...]:
    if not isinstance(doc, dict):
        raise ConfigError("expected a mapping of KIND: {pNN: milliseconds}", file=file, key="latency_ms")
    gates: list[LatencyGate] = []
    for kind_key, limits in doc.items():
        where = f"latency_ms.{kind_key}"
        if kind_key not in (*KINDS, ALL):
            raise ConfigError(f"unknown request kind; expected one of {[*KINDS, ALL]}", file=file, key=where)
        if not isinstance(limits, dict) or not limits:
            raise ConfigError("expected {pNN: milliseconds}, e.g. {p95: 200, p99: 500}", file=file, key=where)
        for name, limit in limits.items():
            match = _PERCENTILE.match(str(name))
            if match is None or not 0 < float(match.group(1)) <= 100:
                raise ConfigError(
                    f"expected a percentile key such as p95 or p99.9, got {name!r}", file=file, key=where
                )
            gates.append(
                LatencyGate(
                    kind_key, float(match.group(1)), _number(limit, file, f"{where}.{name}", positive=True)
                )
            )
    return tuple(gates)


def evaluate(
    slo: Slo,
    recorder: Recorder,
    *,
    active: Iterable[str],
    open_model: bool,
    ramp: RampPlan | None = None,
) -> list[GateResult]:
    """Every gate of `slo` against `recorder`.

    `active`: the kinds the mix requests; `ramp`: set when the run ramped past the limit.
    """
    active_kinds = tuple(active)
    results = [_latency(gate, recorder, active_kinds) for gate in slo.latency]
    total = recorder.total()
    if slo.max_failure_ratio is not None:
        if total.requests == 0:
            results.append(
                _no_data("failure ratio", slo.max_failure_ratio, "<=", "ratio", "no requests measured")
            )
        else:
            ratio = total.failures / total.requests
            results.append(
                _judge(
                    "failure ratio",
                    ratio,
                    slo.max_failure_ratio,
                    "<=",
                    "ratio",
                    f"{total.failures} of {total.requests} measured requests failed",
                )
            )
    if slo.min_throughput_rps is not None:
        if recorder.window_s <= 0:
            results.append(
                _no_data("throughput", slo.min_throughput_rps, ">=", "req/s", "no requests measured")
            )
        else:
            rate = total.requests / recorder.window_s
            results.append(
                _judge(
                    "throughput",
                    rate,
                    slo.min_throughput_rps,
                    ">=",
                    "req/s",
                    f"{total.requests} requests in {recorder.window_s:.1f} s",
                )
            )
    if slo.max_dropped_ratio is not None:
        results.append(_dropped(slo.max_dropped_ratio, recorder, open_model))
    if slo.max_throttled_ratio is not None:
        results.append(_throttled(slo.max_throttled_ratio, recorder, ramp))
    if slo.throttle_onset_min_fraction is not None:
        results.append(_onset(slo.throttle_onset_min_fraction, recorder, ramp))
    return results


def _throttled(limit: float, recorder: Recorder, ramp: RampPlan | None) -> GateResult:
    name = "throttled ratio"
    if ramp is not None:
        return GateResult(
            name, GateStatus.SKIP, None, limit, "<=", "ratio", "ramp past the limit: 429s are the point"
        )
    total = recorder.total()
    if total.offered == 0:
        return _no_data(name, limit, "<=", "ratio", "no requests measured")
    by_kind = ", ".join(f"{k} {c.throttled}" for k, c in sorted(recorder.counts.items()) if c.throttled)
    return _judge(
        name,
        total.throttled / total.offered,
        limit,
        "<=",
        "ratio",
        f"{total.throttled} of {total.offered} requests got 429" + (f" ({by_kind})" if by_kind else ""),
    )


def _onset(minimum: float, recorder: Recorder, ramp: RampPlan | None) -> GateResult:
    name = "throttle onset"
    if ramp is None:
        return GateResult(
            name, GateStatus.SKIP, None, minimum, ">=", "x limit", "no ramp (--ramp-past-limit)"
        )
    found = onset(recorder.seconds, ramp.limit)
    if found is None:
        peak = max((s.offered for s in recorder.seconds.values()), default=0)
        return _no_data(
            name, minimum, ">=", "x limit", f"no 429 up to {peak} req/s offered (documented {ramp.limit})"
        )
    detail = (
        f"first 429 {found.at_s:.0f} s into the ramp: {found.offered_per_s} req/s offered "
        f"({found.offered_per_min} in the trailing minute), documented {ramp.limit}; "
        f"judged against the per-{found.window} limit"
    )
    return _judge(name, found.fraction, minimum, ">=", "x limit", detail)


def _latency(gate: LatencyGate, recorder: Recorder, active: Sequence[str]) -> GateResult:
    if gate.kind == ALL:
        view, key = recorder.histograms.combined(active, ALL), ALL
    elif gate.kind not in active:
        return GateResult(gate.name, GateStatus.SKIP, None, gate.limit_ms, "<=", "ms", "kind not in the mix")
    else:
        view, key = recorder.histograms, gate.kind
    value = view.percentile_ms(key, gate.percentile)
    if value is None:
        return _no_data(gate.name, gate.limit_ms, "<=", "ms", "no measured requests of this kind")
    return _judge(gate.name, value, gate.limit_ms, "<=", "ms", f"{view.count(key)} samples")


def _dropped(limit: float, recorder: Recorder, open_model: bool) -> GateResult:
    name = "dropped starts"
    if not open_model:
        return GateResult(
            name, GateStatus.SKIP, None, limit, "<=", "ratio", "closed model: no arrival schedule"
        )
    if recorder.scheduled == 0:
        return _no_data(name, limit, "<=", "ratio", "no scheduled starts measured")
    lost = sum(recorder.dropped.values())
    reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(recorder.dropped.items())) or "none"
    return _judge(
        name, lost / recorder.scheduled, limit, "<=", "ratio", f"{lost} of {recorder.scheduled} ({reasons})"
    )


def _judge(
    name: str, measured: float, limit: float, comparison: Literal["<=", ">="], unit: str, detail: str
) -> GateResult:
    ok = measured <= limit if comparison == "<=" else measured >= limit
    return GateResult(
        name, GateStatus.PASS if ok else GateStatus.FAIL, measured, limit, comparison, unit, detail
    )


def _no_data(name: str, limit: float, comparison: Literal["<=", ">="], unit: str, detail: str) -> GateResult:
    # Nothing measured is never a pass: a run that measured nothing cannot vouch for a release.
    return GateResult(name, GateStatus.FAIL, None, limit, comparison, unit, detail)


def passed(results: Sequence[GateResult]) -> bool:
    """True when no gate failed (skipped gates do not fail a run)."""
    return all(r.status != GateStatus.FAIL for r in results)


def describe(slo: Slo) -> Mapping[str, Any]:
    """The gates as declared, for the JSON summary."""
    return {
        "source": slo.source,
        "warmup_s": slo.warmup_s,
        "latency_ms": [
            {"kind": g.kind, "percentile": g.percentile, "limit_ms": g.limit_ms} for g in slo.latency
        ],
        "max_failure_ratio": slo.max_failure_ratio,
        "min_throughput_rps": slo.min_throughput_rps,
        "max_dropped_ratio": slo.max_dropped_ratio,
        "max_throttled_ratio": slo.max_throttled_ratio,
        "throttle_onset_min_fraction": slo.throttle_onset_min_fraction,
    }
