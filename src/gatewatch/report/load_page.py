"""The load test's section of the page: the gates, percentiles per kind, errors and the charts."""

from __future__ import annotations

from gatewatch.core.records.load_summary import GateStatus
from gatewatch.core.records.suite_summary import FAILED, PASSED, SKIPPED
from gatewatch.core.reports_layout import RELATIVE
from gatewatch.report.charts import Bar, Series, histogram, line_chart
from gatewatch.report.markup import (
    Html,
    count,
    facts,
    figure,
    interrupted_note,
    number,
    problems,
    section,
    span,
    table,
    tag,
)
from gatewatch.report.model import KindRow, LoadPart, Verdict

_SUMMARY = RELATIVE.load_summary.as_posix()

# The summary's non-percentile latency keys, shown after the percentiles.
_EXTREMES = ("mean", "max")


def load_section(part: LoadPart) -> Html:
    """`<section id="load">`: the verdict, the gates, each kind's numbers, errors, charts."""
    body = [problems(part.problems)]
    if part.verdict is Verdict.INTERRUPTED:
        body.append(interrupted_note(part.interrupted))
        return section("load", "Load test", part.verdict, body)
    if part.verdict is Verdict.NOT_RUN:
        body.append(tag("p", f"Not run: this folder has no {_SUMMARY} (gatewatch load writes it)."))
        return section("load", "Load test", part.verdict, body)
    target = part.target
    shape = (
        f"{part.users} users" if part.model == "closed" else f"{number(part.arrival_rate_rps, 1)} requests/s"
    )
    body.append(
        facts(
            [
                ("target", f"{target.name} ({target.kind})" if target.kind else target.name),
                ("base URL", target.base_url),
                ("ran", span(part.ran.started, part.ran.ended)),
                ("model", f"{part.model}: {shape}" if part.model else None),
                ("workers", part.workers),
                ("mix", part.mix),
                ("warm-up (not gated)", number(part.warmup_s, 0, "s")),
                ("measured window", number(part.window_s, 1, "s")),
                ("throughput", number(part.throughput_rps, 1, "requests/s")),
                ("throttled (429)", _throttled(part)),
                ("dropped starts", _dropped(part) if part.model == "open" else None),
            ]
        )
    )
    if part.setup_error:
        body.append(tag("p", f"Setup failed: {part.setup_error}", class_="problem"))
    if part.gates:
        body.append(tag("h3", "SLO gates"))
        body.append(
            table(
                ["gate", "measured", "limit", "result", "detail"],
                [
                    (
                        g.name,
                        _value(g.measured, g.unit),
                        f"{g.comparison} {_value(g.limit, g.unit)}",
                        tag("span", g.status.upper(), class_=f"status {_gate_class(g.status)}"),
                        g.detail,
                    )
                    for g in part.gates
                ],
                numeric=(1,),
            )
        )
    if part.kinds:
        body.append(tag("h3", "Requests by kind"))
        body.append(_kinds_table(part.kinds, part.precision))
    body.extend(_errors(part))
    body.extend(_charts(part))
    return section("load", "Load test", part.verdict, body)


def _throttled(part: LoadPart) -> str | None:
    if part.throttled is None:
        return None
    share = (
        f" ({part.throttled_ratio:.2%} of the requests offered)" if part.throttled_ratio is not None else ""
    )
    return f"{part.throttled:,}{share}; not counted as failures"


def _dropped(part: LoadPart) -> str:
    lost = sum(part.dropped.values())
    why = ", ".join(f"{n} {reason}" for reason, n in part.dropped.items())
    return f"{lost} of {part.scheduled} scheduled" + (f" ({why})" if why else "")


_GATE_CLASSES: dict[str, str] = {GateStatus.PASS: PASSED, GateStatus.FAIL: FAILED}


def _gate_class(status: str) -> str:
    return _GATE_CLASSES.get(status, SKIPPED)


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "ratio":
        return f"{value:.4f}"
    return f"{value:,.1f} {unit}"


def _kinds_table(kinds: tuple[KindRow, ...], precision: str | None) -> Html:
    percentiles = list(dict.fromkeys(k for row in kinds for k in row.latency_ms if k.startswith("p")))
    extremes = [k for k in _EXTREMES if any(k in row.latency_ms for row in kinds)]
    headers = ["kind", "requests", "failures", "throttled (429)", "warm-up"]
    headers += [f"{k} ms" for k in (*percentiles, *extremes)]
    rows = [
        (
            tag("span", row.kind, title=row.name),
            count(row.requests),
            count(row.failures),
            count(row.throttled) if row.throttled is not None else "not recorded",
            count(row.warmup_requests),
            *(number(row.latency_ms.get(k), 2) for k in (*percentiles, *extremes)),
        )
        for row in kinds
    ]
    caption = f"Latencies: {precision}." if precision else None
    return table(headers, rows, caption=caption, numeric=range(1, len(headers)))


def _errors(part: LoadPart) -> list[Html]:
    out: list[Html] = []
    if part.locust_failures:
        out.append(tag("h3", "Failed requests, by cause (Locust's failure table)"))
        out.append(
            table(
                ["request", "error", "occurrences"],
                [(f"{f.method} {f.name}", f.error, count(f.occurrences)) for f in part.locust_failures],
                numeric=(2,),
            )
        )
    if part.violations:
        out.append(tag("h3", "Contract violations in sampled answers"))
        out.append(
            table(["rule", "count"], [(tag("code", r), n) for r, n in part.violations.items()], numeric=(1,))
        )
    return out


def _charts(part: LoadPart) -> list[Html]:
    out: list[Html] = []
    latency = [Series(s.name, s.points) for s in part.latency_over_time if s.points]
    if latency:
        out.append(tag("h3", "Latency over time"))
        out.append(
            figure(
                line_chart(
                    latency, title="Latency over time", x_label="seconds into the run", y_label="latency (ms)"
                ),
                "Locust's percentiles over its rolling window, every few seconds (rounded to about two "
                "significant digits, warm-up included); the gates use the HDR percentiles above.",
            )
        )
    rates = [Series(s.name, s.points) for s in part.rate_over_time if s.points]
    if rates:
        out.append(
            figure(
                line_chart(
                    rates,
                    title="Request rate over time",
                    x_label="seconds into the run",
                    y_label="per second",
                ),
                "Requests and failures per second, as Locust recorded them.",
            )
        )
    if part.histogram is not None:
        bars = [
            Bar(b.low_ms, b.high_ms, b.requests / max(b.high_ms - b.low_ms, 1e-9), b.label)
            for b in part.histogram.bins
        ]
        out.append(tag("h3", "Latency histogram"))
        out.append(
            figure(
                histogram(
                    bars,
                    title="Latency histogram, all measured requests",
                    x_label="latency (ms)",
                    y_label="requests per ms",
                ),
                f"Drawn from {part.histogram.source}. Each bar's area is its share of the requests.",
            )
        )
    return out
