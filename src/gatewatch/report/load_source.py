"""Reads the load test's files under load/: summary.json and Locust's CSV files.

- `summary.json` (`gatewatch.loadtest.summary.build_summary`): the gates, per-kind counts and
  HDR percentiles, throughput, dropped starts and violations.
- `locust_stats_history.csv` (Locust's `--csv` prefix `locust`): one `Aggregated` row per
  few seconds, the latency-over-time chart. Its percentiles are Locust's (rolling window,
  rounded to about two significant digits), not the HDR ones the gates read.
- `locust_failures.csv`: one row per distinct failure cause.
- `histograms.json`, when the load test writes it (it does not yet): the HDR histograms
  themselves, for an exact latency histogram. Without it the histogram is drawn from the
  summary's percentiles: bins between consecutive percentiles, each holding its share.
  The format proposed for it is what workers already ship to the master::

      {"format": "hdrhistogram-compressed-base64", "unit": "us",
       "histograms": {"known": "HISTFAAAA...", "batch": "...", ...}}

  i.e. `LatencyHistograms.encode()` of the merged, measured (post-warm-up) histograms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

from gatewatch.core.records.load_summary import (
    ALL_KINDS,
    GateRecord,
    KindTotals,
    LoadSummary,
    LoadTarget,
    OpenModelRecord,
    ThrottledTotals,
)
from gatewatch.core.reports_layout import RELATIVE, LoadFiles, ReportsLayout
from gatewatch.report._read import (
    Unreadable,
    csv_number,
    obj,
    read_csv,
    read_object,
    read_record,
)
from gatewatch.report.model import (
    GateRow,
    KindRow,
    LatencyBin,
    LatencyHistogram,
    LoadPart,
    LocustFailure,
    Problem,
    RunTime,
    TargetInfo,
    TimeSeries,
    Verdict,
)

HDR_FORMAT = "hdrhistogram-compressed-base64"  # HdrHistogram.encode(), as workers ship them
HDR_UNIT = "us"
_VERDICTS: dict[bool | None, Verdict] = {True: Verdict.PASSED, False: Verdict.FAILED}
AGGREGATED = "Aggregated"  # Locust's name for the all-requests row
# Locust's history columns: (series name, column).
LATENCY_COLUMNS = (("p50", "50%"), ("p95", "95%"), ("p99", "99%"))
RATE_COLUMNS = (("requests/s", "Requests/s"), ("failures/s", "Failures/s"))
HDR_BINS = 40
TAIL_PERCENTILE = 99.9


def read_load(reports_dir: Path) -> LoadPart:
    """The load test's part of the page; `not run` when there is no load/summary.json."""
    files = ReportsLayout(reports_dir).load
    path = files.summary
    if not path.is_file():
        return LoadPart(verdict=Verdict.NOT_RUN)
    problems: list[Problem] = []
    latency, rates, ran = _history(files, problems)
    failures = _failures(files, problems)
    where = RELATIVE.load.summary.as_posix()
    try:
        decoded = read_record(path, LoadSummary)
    except Unreadable as exc:
        problems.insert(0, Problem(where, str(exc)))
        return LoadPart(
            verdict=Verdict.UNREADABLE,
            problems=tuple(problems),
            ran=ran,
            locust_failures=failures,
            latency_over_time=latency,
            rate_over_time=rates,
        )
    doc = decoded.record
    if (damaged := decoded.summary()) is not None:
        problems.insert(0, Problem(where, damaged))
    verdict = _VERDICTS.get(doc.passed, Verdict.UNREADABLE)
    if verdict is Verdict.UNREADABLE:
        problems.insert(0, Problem(where, f"passed is {doc.passed!r}, not true or false"))
    kinds = _kinds(doc)
    drawn = _histogram(files, kinds, problems)  # before `problems` is frozen below
    target = doc.target or LoadTarget(name=None, kind=None, base_url=None)
    open_model = doc.open_model or OpenModelRecord(scheduled=None)
    throttled = doc.throttled or ThrottledTotals(requests=None, warmup_requests=None, ratio=None)
    return LoadPart(
        verdict=verdict,
        problems=tuple(problems),
        target=TargetInfo(name=target.name, kind=target.kind, base_url=target.base_url),
        ran=ran,
        model=doc.model,
        users=doc.users,
        arrival_rate_rps=doc.arrival_rate_rps,
        workers=doc.workers,
        mix=doc.mix,
        warmup_s=doc.warmup_s,
        window_s=doc.window_s,
        throughput_rps=doc.throughput_rps,
        throttled=throttled.requests,
        throttled_ratio=throttled.ratio,
        precision=doc.precision,
        scheduled=open_model.scheduled,
        dropped=open_model.dropped,
        gates=tuple(_gate(g) for g in doc.gates),
        kinds=kinds,
        violations={rule: v.count for rule, v in doc.violations.items() if v.count},
        locust_failures=failures,
        latency_over_time=latency,
        rate_over_time=rates,
        histogram=drawn,
        setup_error=None if doc.setup_error is None else str(doc.setup_error),
    )


def _gate(gate: GateRecord) -> GateRow:
    return GateRow(
        name=gate.name or "?",
        status=gate.status or "?",
        measured=gate.measured,
        limit=gate.limit,
        comparison=gate.comparison or "",
        unit=gate.unit or "",
        detail=gate.detail or "",
    )


def _kinds(doc: LoadSummary) -> tuple[KindRow, ...]:
    rows: list[tuple[str, KindTotals, str | None]] = [(key, k, k.name) for key, k in doc.kinds.items()]
    if doc.every_kind is not None:
        rows.append((ALL_KINDS, doc.every_kind, None))
    return tuple(
        KindRow(
            kind=key,
            name=name or ("all kinds" if key == ALL_KINDS else key),
            requests=totals.requests,
            failures=totals.failures,
            warmup_requests=totals.warmup_requests,
            throttled=totals.throttled,
            latency_ms=totals.latency_ms or {},
        )
        for key, totals, name in rows
    )


def _history(
    files: LoadFiles, problems: list[Problem]
) -> tuple[tuple[TimeSeries, ...], tuple[TimeSeries, ...], RunTime]:
    """Latency and request-rate series over the run, and when it ran, from Locust's history."""
    path = files.stats_history
    if not path.is_file():
        return (), (), RunTime()
    columns = [c for _, c in (*LATENCY_COLUMNS, *RATE_COLUMNS)]
    try:
        rows = read_csv(path, ["Timestamp", "Name", *columns])
    except Unreadable as exc:
        problems.append(Problem(RELATIVE.load.stats_history.as_posix(), str(exc)))
        return (), (), RunTime()
    timed = [
        (t, row)
        for row in rows
        if row["Name"] == AGGREGATED and (t := csv_number(row["Timestamp"])) is not None
    ]
    if not timed:
        return (), (), RunTime()
    start = timed[0][0]

    def series(pairs: Sequence[tuple[str, str]]) -> tuple[TimeSeries, ...]:
        out = []
        for name, column in pairs:
            points = tuple((t - start, v) for t, row in timed if (v := csv_number(row[column])) is not None)
            out.append(TimeSeries(name=name, points=points))
        return tuple(out)

    return series(LATENCY_COLUMNS), series(RATE_COLUMNS), RunTime(started=start, ended=timed[-1][0])


def _failures(files: LoadFiles, problems: list[Problem]) -> tuple[LocustFailure, ...]:
    path = files.failures
    if not path.is_file():
        return ()
    try:
        rows = read_csv(path, ["Method", "Name", "Error", "Occurrences"])
    except Unreadable as exc:
        problems.append(Problem(RELATIVE.load.failures.as_posix(), str(exc)))
        return ()
    found = [
        LocustFailure(
            method=row["Method"] or "",
            name=row["Name"] or "",
            error=row["Error"] or "",
            occurrences=int(n) if (n := csv_number(row["Occurrences"])) is not None else None,
        )
        for row in rows
    ]
    return tuple(sorted(found, key=lambda f: -(f.occurrences or 0)))


# -- the latency histogram ---------------------------------------------------------------


def _histogram(
    files: LoadFiles, kinds: Sequence[KindRow], problems: list[Problem]
) -> LatencyHistogram | None:
    if files.histograms.is_file():
        try:
            return _hdr_histogram(files.histograms)
        except Unreadable as exc:
            problems.append(Problem(RELATIVE.load.histograms.as_posix(), str(exc)))
    every = next((k for k in kinds if k.kind == ALL_KINDS), None)
    if every is None or not every.requests:
        return None
    return percentile_histogram(every.latency_ms, every.requests)


def percentile_histogram(latency_ms: Mapping[str, float], requests: int) -> LatencyHistogram | None:
    """Bins between the summary's consecutive percentiles (min, p50, p90 ... max), each with its share."""
    edges: list[tuple[float, float]] = []  # (fraction of requests at or below, latency)
    if "min" in latency_ms:
        edges.append((0.0, latency_ms["min"]))
    for key, value in latency_ms.items():
        fraction = _fraction(key)
        if fraction is not None:
            edges.append((fraction, value))
    if "max" in latency_ms:
        edges.append((1.0, latency_ms["max"]))
    edges.sort()
    bins = []
    for (f0, v0), (f1, v1) in pairwise(edges):
        if f1 > f0 and v1 >= v0:
            share = f1 - f0
            label = f"{_pct(f0)} to {_pct(f1)} of requests: {v0:g} to {v1:g} ms"
            bins.append(LatencyBin(low_ms=v0, high_ms=v1, requests=share * requests, label=label))
    if not bins:
        return None
    return LatencyHistogram(
        bins=tuple(bins), source=f"the HDR percentiles in {RELATIVE.load.summary.as_posix()}"
    )


def _fraction(key: str) -> float | None:
    """`p99.9` -> 0.999; None for a key that is not a percentile."""
    if not key.startswith("p"):
        return None
    try:
        value = float(key[1:])
    except ValueError:
        return None
    return value / 100 if 0 < value < 100 else None


def _pct(fraction: float) -> str:
    return f"{fraction * 100:g}%"


def _hdr_histogram(path: Path) -> LatencyHistogram:
    """Equal-width bins from the HDR histograms of every kind together (values in microseconds).

    The bins span the fastest request to p99.9; slower ones go into the last bin, whose label
    says so, so one outlier does not squeeze everything else into the first bin.
    """
    merged = _merged(_encoded(read_object(path)))
    total = int(merged.get_total_count())
    if total == 0:
        raise Unreadable("the histograms are empty")
    values = [
        (int(i.value_iterated_to), int(i.count_at_value_iterated_to)) for i in merged.get_recorded_iterator()
    ]
    low, top = values[0][0], values[-1][0]
    high = min(top, int(merged.get_value_at_percentile(TAIL_PERCENTILE)))
    bins = _bins(values, low, high, top)
    source = f"the HDR histograms in {RELATIVE.load.histograms.as_posix()} ({total} requests"
    source += f"; the last bin holds everything above p{TAIL_PERCENTILE:g})" if top > high else ")"
    return LatencyHistogram(bins=bins, source=source)


def _encoded(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(kind, encoded histogram) of every kind; `all` only when it is the only one (it holds the others)."""
    if doc.get("format") != HDR_FORMAT:
        raise Unreadable(f"format is {doc.get('format')!r}, expected {HDR_FORMAT!r}")
    if doc.get("unit", HDR_UNIT) != HDR_UNIT:
        raise Unreadable(
            f"unit is {doc.get('unit')!r}, expected {HDR_UNIT!r} (the histograms record microseconds)"
        )
    encoded = [(k, v) for k, v in obj(doc.get("histograms")).items() if isinstance(v, str)]
    pairs = [(k, v) for k, v in encoded if k != ALL_KINDS] or encoded
    if not pairs:
        raise Unreadable("no histograms in it")
    return pairs


def _merged(pairs: Sequence[tuple[str, str]]) -> Any:
    """The histograms decoded and added together (an hdrh HdrHistogram)."""
    from hdrh.histogram import HdrHistogram

    merged: Any = None
    for key, value in pairs:
        try:
            one = HdrHistogram.decode(value.encode("ascii"))
        except Exception as exc:  # hdrh raises whatever base64, zlib or struct raise on bad input
            raise Unreadable(f"histogram {key!r} does not decode ({type(exc).__name__})") from None
        if merged is None:
            merged = one
        else:
            merged.add(one)
    return merged


def _bins(values: Sequence[tuple[int, int]], low: int, high: int, top: int) -> tuple[LatencyBin, ...]:
    """HDR_BINS equal bins from `low` to `high` microseconds; the last also holds everything up to `top`."""
    width = max(1.0, (high - low) / HDR_BINS)
    counts = [0] * HDR_BINS
    for micros, count in values:
        counts[min(HDR_BINS - 1, int((micros - low) / width))] += count
    bins = []
    for i, n in enumerate(counts):
        lo_ms, hi_ms = (low + i * width) / 1000, (low + (i + 1) * width) / 1000
        label = f"{n} requests from {lo_ms:.3g} to {hi_ms:.3g} ms"
        if i == HDR_BINS - 1 and top > high:
            label = f"{n} requests from {lo_ms:.3g} ms up to the slowest, {top / 1000:.3g} ms"
        bins.append(LatencyBin(low_ms=lo_ms, high_ms=hi_ms, requests=float(n), label=label))
    return tuple(bins)
