"""The canary's Grafana dashboard, built with Grafana's own SDK (grafana-foundation-sdk).

A development tool, not part of the probe: the SDK is in the `dev` extra only. The
shipped synthetic/grafana/gatewatch-probe.json is this module's output for the shipped
SLO file (a test keeps it so):

    python -m gatewatch.probe.dashboard synthetic/slo.yaml > synthetic/grafana/gatewatch-probe.json

Its queries read the probe's metrics and the series `gatewatch probe-rules` records
(`alert_rules`), by the names those modules define.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from grafana_foundation_sdk.builders import dashboard as gd
from grafana_foundation_sdk.builders import heatmap, prometheus, stat, table, timeseries
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as dm
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

from gatewatch.contract import Contract, default_contract
from gatewatch.core.durations import format_duration
from gatewatch.probe.alert_rules import (
    BUDGET_LEFT,
    DEGRADED,
    OBJECTIVE,
    RUN_DEGRADED,
    RUN_GOOD,
    SLO_LABEL,
    burn_rate,
    error_ratio,
    metric,
)
from gatewatch.probe.metrics import CHANNEL_LABEL
from gatewatch.probe.outcomes import Outcome
from gatewatch.probe.slo import DELIVERED, SLIS, Slo, load_slo

UID = "gatewatch-probe"
TITLE = "gatewatch probe"
DATASOURCE = dm.DataSourceRef(type_val="prometheus", uid="${datasource}")
CHANNELS = f'{CHANNEL_LABEL}=~"${CHANNEL_LABEL}"'
LEGEND = f"{{{{{CHANNEL_LABEL}}}}}"
WIDE, HALF, THIRD = 24, 12, 8


def query(expr: str, legend: str = LEGEND) -> prometheus.Dataquery:
    """A Prometheus query of the dashboard's data source."""
    return prometheus.Dataquery().expr(expr).legend_format(legend).ref_id("A").datasource(DATASOURCE)


Panel = cogbuilder.Builder[dm.Panel]
Queries = list[cogbuilder.Builder[cogvariants.Dataquery]]


def queries(*each: prometheus.Dataquery) -> Queries:
    """Several queries of one panel (refIds A, B, C... in order)."""
    return [q.ref_id(chr(ord("A") + i)) for i, q in enumerate(each)]


def rate_by_channel(name: str, by: str = CHANNEL_LABEL, function: str = "increase") -> str:
    """A counter's per-channel increase (or rate) over Grafana's rate interval."""
    return f"sum by ({by}) ({function}({metric(name)}{{{CHANNELS}}}[$__rate_interval]))"


def _by_channel(name: str) -> str:
    return f"max by ({CHANNEL_LABEL}) ({name}{{{CHANNELS}}})"


def build(slo: Slo, contract: Contract) -> dict[str, Any]:
    """The dashboard as Grafana's JSON model."""
    board = (
        gd.Dashboard(TITLE)
        .uid(UID)
        .tags(["gatewatch", "synthetic"])
        .description(
            "The gatewatch canary: SLOs and burn rates, outcomes, delivery times, throttling, webhooks."
        )
        .refresh("1m")
        .time("now-24h", "now")
        .timezone("browser")
        .with_variable(gd.DatasourceVariable("datasource").label("Data source").type("prometheus"))
        .with_variable(
            gd.QueryVariable(CHANNEL_LABEL)
            .label("Channel")
            .datasource(DATASOURCE)
            .query(f"label_values({metric('success')}, {CHANNEL_LABEL})")
            .multi(True)
            .include_all(True)
            .refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED)
        )
    )
    for row, panels in _rows(slo, contract):
        board = board.with_row(gd.Row(row))
        for panel in panels:
            board = board.with_panel(panel)
    model = board.build()
    for number, built in enumerate(model.panels or [], start=1):
        built.id_val = number  # Grafana wants each panel's id unique
    encoded: dict[str, Any] = json.loads(json.dumps(model, cls=JSONEncoder))
    return encoded


def _rows(slo: Slo, contract: Contract) -> Iterator[tuple[str, list[Panel]]]:
    yield "SLOs", list(_slo_panels(slo))
    yield "Runs", list(_run_panels(contract))
    yield "Throttling and webhooks", list(_throttling_and_webhook_panels())


def _slo_panels(slo: Slo) -> Iterator[Panel]:
    longest = slo.windows()[-1]
    for sli in SLIS:
        yield (
            stat.Panel()
            .title(f"Error budget left: {sli} (over {format_duration(longest)})")
            .description(
                f"The share of the {sli} SLO's error budget the window has not spent "
                f"({OBJECTIVE} is the objective). Below 0: overspent."
            )
            .with_target(query(f'{BUDGET_LEFT}{{{SLO_LABEL}="{sli}",{CHANNELS}}}'))
            .unit("percentunit")
            .height(6)
            .span(HALF // 2)
        )
    yield (
        timeseries.Panel()
        .title("SLI: share of good runs")
        .description("1 - the error ratio over the page's long window, per channel and SLO.")
        .with_target(
            query(
                f"1 - {error_ratio(slo.burns[0].windows[0].long_s)}{{{CHANNELS}}}",
                f"{LEGEND} {{{{{SLO_LABEL}}}}}",
            )
        )
        .unit("percentunit")
        .max(1)
        .height(6)
        .span(HALF)
    )
    longs = sorted({w.long_s for b in slo.burns for w in b.windows})
    yield (
        timeseries.Panel()
        .title("Burn rate")
        .description("How many times faster than allowed the error budget burns (1 = exactly on budget).")
        .targets(
            queries(
                *(
                    query(
                        f"{burn_rate(w)}{{{CHANNELS}}}", f"{LEGEND} {{{{{SLO_LABEL}}}}} {format_duration(w)}"
                    )
                    for w in longs
                )
            )
        )
        .height(8)
        .span(WIDE)
    )


def _run_panels(contract: Contract) -> Iterator[Panel]:
    delivered = contract.recipients[Outcome.DELIVERED.value].final_status
    yield (
        timeseries.Panel()
        .title("Outcome rates")
        .description("Runs per second by outcome (a scraped loop; pushed --once runs show in Last outcome).")
        .with_target(
            query(
                rate_by_channel("runs_total", f"{CHANNEL_LABEL}, outcome", "rate"),
                f"{LEGEND} {{{{outcome}}}}",
            )
        )
        .unit("reqps")
        .height(8)
        .span(HALF)
    )
    yield (
        table.Panel()
        .title("Last outcome")
        .description("How each channel's last run ended, and whether it was in a maintenance window.")
        .targets(
            queries(
                query(f"{metric('last_outcome')}{{{CHANNELS}}} == 1", f"{LEGEND} {{{{outcome}}}}"),
                query(f"{metric('maintenance')}{{{CHANNELS}}}", f"{LEGEND} maintenance"),
            )
        )
        .height(8)
        .span(HALF)
    )
    yield (
        heatmap.Panel()
        .title(f"Time to {delivered}: $channel")
        .description("Time from the send to the first sighting of the final status, per channel.")
        .repeat(CHANNEL_LABEL)
        .with_target(
            query(
                f"sum by (le) (increase({metric('time_to_status_seconds_bucket')}"
                f'{{status="{delivered}",{CHANNEL_LABEL}=~"$channel"}}[$__rate_interval]))',
                "{{le}}",
            ).format(PromQueryFormat.HEATMAP)
        )
        .calculate(False)
        .height(8)
        .span(WIDE)
    )
    yield (
        stat.Panel()
        .title("Since the last delivered run")
        .with_target(query(f"time() - {_by_channel(metric('last_success_timestamp_seconds'))}"))
        .unit("s")
        .height(6)
        .span(THIRD)
    )
    yield (
        timeseries.Panel()
        .title("Degraded runs and maintenance")
        .description(
            f"1 while the last run was {DEGRADED} (delivered, slower than the threshold) / in a window."
        )
        .targets(
            queries(
                query(f"{RUN_DEGRADED}{{{CHANNELS}}}", f"{LEGEND} degraded"),
                query(f"{metric('maintenance')}{{{CHANNELS}}}", f"{LEGEND} maintenance"),
            )
        )
        .height(6)
        .span(THIRD)
    )
    yield (
        timeseries.Panel()
        .title("Delivered runs (SLI input)")
        .with_target(query(f"{RUN_GOOD[DELIVERED]}{{{CHANNELS}}}"))
        .height(6)
        .span(THIRD)
    )


def _throttling_and_webhook_panels() -> Iterator[Panel]:
    yield (
        timeseries.Panel()
        .title("429s and time waited")
        .targets(
            queries(
                query(rate_by_channel("throttled_total"), f"{LEGEND} 429s"),
                query(f"{metric('last_run_throttled')}{{{CHANNELS}}}", f"{LEGEND} 429s in the last run"),
                query(rate_by_channel("throttled_wait_seconds_total"), f"{LEGEND} seconds waited"),
            )
        )
        .height(8)
        .span(HALF)
    )
    yield (
        timeseries.Panel()
        .title("Webhooks lost and contradicting")
        .targets(
            queries(
                query(rate_by_channel("webhooks_lost_total"), f"{LEGEND} lost"),
                query(rate_by_channel("webhooks_contradicting_total"), f"{LEGEND} contradicting"),
                query(
                    f'{metric("last_outcome")}{{outcome=~"{Outcome.WEBHOOK_LOST.value}|'
                    f'{Outcome.WEBHOOK_CONTRADICTS.value}",{CHANNELS}}} == 1',
                    f"{LEGEND} last run {{{{outcome}}}}",
                ),
            )
        )
        .height(8)
        .span(HALF)
    )


def main(argv: list[str]) -> int:
    """Print the dashboard for the SLO file named in argv (default: ./synthetic/slo.yaml)."""
    path = Path(argv[0] if argv else "synthetic/slo.yaml")
    board = build(load_slo(path), default_contract())
    sys.stdout.write(json.dumps(board, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
