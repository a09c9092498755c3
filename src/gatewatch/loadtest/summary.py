"""The load run's results: its summary (`core.records.load_summary`) and the gate table on the console.

Both are built from the merged Recorder and the gate results; neither holds a key (the
violation examples come from redacted Exchanges). Throttled requests (429) are shown on
their own, per kind and overall; a ramp past the limit adds its seconds and the onset.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gatewatch.contract import Contract
from gatewatch.core.records import encode
from gatewatch.core.records.load_summary import (
    LATENCY_FROM_INTENDED,
    LATENCY_FROM_SENT,
    CrossCheck,
    GateRecord,
    GateStatus,
    KindRecord,
    KindTotals,
    LoadSummary,
    LoadTarget,
    OnsetRecord,
    OpenModelRecord,
    RampRecord,
    RampSecond,
    ThrottledTotals,
    ViolationCount,
)
from gatewatch.core.reports_layout import LoadFiles
from gatewatch.loadtest.gates import GateResult, Slo, describe, passed
from gatewatch.loadtest.histograms import PRECISION, LatencyHistograms, LatencySummary
from gatewatch.loadtest.kinds import ALL, KINDS, request_name, throttled_name
from gatewatch.loadtest.ramp import RampPlan, onset
from gatewatch.loadtest.recorder import Counts, Recorder

CLOSED_MODEL = "closed"
OPEN_MODEL = "open"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunInfo:
    """What the run was, for the summary: target, model, load shape."""

    run_id: str
    target_name: str
    target_kind: str
    base_url: str
    model: str  # CLOSED_MODEL or OPEN_MODEL
    users: int | None
    arrival_rate: float
    workers: int
    mix: str
    validate_sample: float
    locust_requests: int  # Locust's own totals, warm-up included: a cross-check
    locust_failures: int


def _latency(summary: LatencySummary | None) -> dict[str, float] | None:
    if summary is None:
        return None
    return {
        "min": summary.min_ms,
        "mean": summary.mean_ms,
        "max": summary.max_ms,
        **{f"p{p:g}": v for p, v in summary.percentiles_ms.items()},
    }


def build_summary(
    *,
    info: RunInfo,
    slo: Slo,
    results: Sequence[GateResult],
    recorder: Recorder,
    contract: Contract,
    active: Sequence[str],
    exit_code: int,
    ramp: RampPlan | None = None,
) -> LoadSummary:
    """The summary of a run, as load/summary.json records it."""
    window = recorder.window_s
    total = recorder.total()
    return LoadSummary(
        run_id=info.run_id,
        passed=passed(results) and exit_code == 0,
        exit_code=exit_code,
        target=LoadTarget(name=info.target_name, kind=info.target_kind, base_url=info.base_url),
        model=info.model,
        users=info.users,
        arrival_rate_rps=info.arrival_rate or None,
        workers=info.workers,
        mix=info.mix,
        validate_sample=info.validate_sample,
        warmup_s=slo.warmup_s,
        precision=PRECISION,
        latency_from=LATENCY_FROM_INTENDED if info.model == OPEN_MODEL else LATENCY_FROM_SENT,
        gates=tuple(_gate(r) for r in results),
        slo=dict(describe(slo)),
        kinds=_kinds(recorder, contract, active),
        every_kind=_totals(
            total,
            recorder.histograms.combined(KINDS, ALL).summary(ALL),
            recorder.service.combined(KINDS, ALL).summary(ALL),
        ),
        throttled=_throttled(recorder),
        ramp=_ramp(recorder, ramp),
        window_s=round(window, 3),
        throughput_rps=round(total.requests / window, 3) if window > 0 else None,
        open_model=OpenModelRecord(scheduled=recorder.scheduled, dropped=dict(recorder.dropped)),
        latencies_clamped=recorder.histograms.clamped,
        violations={
            rule: ViolationCount(count=n, examples=tuple(recorder.examples.get(rule, [])))
            for rule, n in sorted(recorder.violations.items())
        },
        cross_check=CrossCheck(
            # Locust counts the throttled rows as requests too.
            recorded_requests=total.offered + total.warmup_requests + total.warmup_throttled,
            locust_requests=info.locust_requests,
            locust_failures=info.locust_failures,
        ),
        setup_error=recorder.setup_error,
    )


def _gate(result: GateResult) -> GateRecord:
    return GateRecord(
        name=result.name,
        status=result.status,
        measured=result.measured,
        limit=result.limit,
        comparison=result.comparison,
        unit=result.unit,
        detail=result.detail,
    )


def _totals(counts: Counts, latency: LatencySummary | None, service: LatencySummary | None) -> KindTotals:
    return KindTotals(
        requests=counts.requests,
        failures=counts.failures,
        warmup_requests=counts.warmup_requests,
        throttled=counts.throttled,
        latency_ms=_latency(latency),
        service_latency_ms=_latency(service),
    )


def _kinds(recorder: Recorder, contract: Contract, active: Sequence[str]) -> dict[str, KindRecord]:
    """Each kind that ran or was asked for, with its Locust names."""
    kinds: dict[str, KindRecord] = {}
    for key in KINDS:
        counts = recorder.counts.get(key)
        if counts is None and key not in active:
            continue
        counts = counts or Counts()
        kinds[key] = KindRecord(
            name=request_name(contract, key),
            requests=counts.requests,
            failures=counts.failures,
            warmup_requests=counts.warmup_requests,
            throttled=counts.throttled,
            throttled_name=throttled_name(contract, key),
            latency_ms=_latency(recorder.histograms.summary(key)),
            service_latency_ms=_latency(recorder.service.summary(key)),
        )
    return kinds


def _throttled(recorder: Recorder) -> ThrottledTotals:
    """429s: neither failures nor judged requests (not in `requests`, the latencies or the throughput)."""
    total = recorder.total()
    return ThrottledTotals(
        requests=total.throttled,
        warmup_requests=total.warmup_throttled,
        ratio=round(total.throttled / total.offered, 6) if total.offered else None,
        by_kind={k: c.throttled for k, c in recorder.counts.items() if c.throttled},
    )


def _ramp(recorder: Recorder, ramp: RampPlan | None) -> RampRecord | None:
    """The ramp's seconds (offered, throttled, answered) and where throttling began."""
    if ramp is None:
        return None
    seconds = recorder.seconds
    first = min(seconds, default=0)
    found = onset(seconds, ramp.limit)
    return RampRecord(
        limit=str(ramp.limit),
        per_second=ramp.per_second,
        from_fraction=ramp.low,
        to_fraction=ramp.high,
        seconds=tuple(
            RampSecond(
                at_s=key - first,
                offered=seconds[key].offered,
                throttled=seconds[key].throttled,
                answered=seconds[key].answered,
            )
            for key in sorted(seconds)
        ),
        seconds_lost=recorder.seconds_lost,
        onset=None
        if found is None
        else OnsetRecord(
            at_s=found.at_s,
            offered_per_s=found.offered_per_s,
            offered_per_min=found.offered_per_min,
            fraction=round(found.fraction, 4),
            window=found.window,
        ),
    )


HISTOGRAMS_FORMAT = "hdrhistogram-compressed-base64"


def write_histograms(
    histograms: LatencyHistograms, reports_dir: Path | str, service: LatencyHistograms | None = None
) -> Path:
    """The measured latency histograms per kind (warm-up excluded), as the page draws them.

    HdrHistogram's own compressed form, the one workers ship to the master, so any HDR
    tool reads the file; values are microseconds. `histograms` are the response times
    from the intended start (gated), `service` (key service_histograms) from the send.
    """
    folder = Path(reports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = LoadFiles(folder).histograms
    doc = {"format": HISTOGRAMS_FORMAT, "unit": "us", "histograms": histograms.encode()}
    if service is not None:
        doc["service_histograms"] = service.encode()
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    os.replace(partial, path)
    return path


def write_summary(summary: LoadSummary, reports_dir: Path | str) -> Path:
    """Write the summary as reports_dir/summary.json (atomically) and return its path."""
    folder = Path(reports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = LoadFiles(folder).summary
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(encode(summary), indent=2, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(partial, path)
    return path


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "ratio":
        return f"{value:.4f}"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "x limit":
        return f"{value:.2f}x limit"
    return f"{value:.1f} {unit}"


def throttled_line(recorder: Recorder) -> str:
    """One line: how many requests got 429, overall and by kind (measured requests)."""
    total = recorder.total()
    by_kind = ", ".join(f"{k} {c.throttled}" for k in KINDS if (c := recorder.counts.get(k)) and c.throttled)
    share = f" ({total.throttled / total.offered:.2%})" if total.offered else ""
    return f"throttled (429, not failures): {total.throttled} of {total.offered} requests{share}" + (
        f": {by_kind}" if by_kind else ""
    )


SHOWN_PERCENTILES = (50.0, 95.0, 99.0)


def latency_lines(recorder: Recorder) -> list[str]:
    """Per kind, the response time from the intended start (gated) beside the service time."""
    shown = "/".join(f"p{p:g}" for p in SHOWN_PERCENTILES)
    lines = [f"latency {shown} (ms): from the intended start (gated) | service time (from the send)"]
    for key in (*KINDS, ALL):
        histograms = recorder.histograms if key != ALL else recorder.histograms.combined(KINDS, ALL)
        service = recorder.service if key != ALL else recorder.service.combined(KINDS, ALL)
        if histograms.count(key) == 0:
            continue
        figures = [
            "/".join(f"{view.percentile_ms(key, p) or 0.0:.1f}" for p in SHOWN_PERCENTILES)
            for view in (histograms, service)
        ]
        lines.append(f"  {key:<14} {figures[0]:>22} | {figures[1]}")
    return lines


def render_table(results: Sequence[GateResult], slo: Slo, recorder: Recorder | None = None) -> str:
    """The gates as a console table (and the throttled requests, when given), with the verdict last."""
    header = f"{'gate':<28} {'measured':>14}    {'limit':<14} {'result':<6} detail"
    lines = [
        f"SLO gates from {slo.source} (warm-up {slo.warmup_s:g} s excluded)",
        f"latencies: {PRECISION}",
        header,
        "-" * len(header),
    ]
    for r in results:
        limit = f"{r.comparison} {_fmt(r.limit, r.unit)}"
        lines.append(
            f"{r.name:<28} {_fmt(r.measured, r.unit):>14}    {limit:<14} {r.status.upper():<6} {r.detail}"
        )
    if recorder is not None:
        lines.extend(latency_lines(recorder))
        lines.append(throttled_line(recorder))
    failed = sum(r.status == GateStatus.FAIL for r in results)
    verdict = "PASS" if failed == 0 else "FAIL"
    lines.append(f"RESULT: {verdict} ({failed} of {len(results)} gates failed)")
    return "\n".join(lines)
