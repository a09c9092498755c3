"""The probe's delivery webhooks on the page: a webhook row under each run's poll row, figures per channel.

A run with a receiver has two timelines of the same message: when the poll first saw
each status, and when the first delivery report of each status came. Both are rows of
one chart on one time axis, so which came first shows at a glance. The table sums each
channel's runs: the webhook's lead or lag on the poll (median and latest), and what went
wrong with the deliveries: lost and contradicting ones are failures, duplicates and
out-of-order ones only notes (gateway-api.md allows a payload to come more than once).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence

from gatewatch.report.charts import Lane, Mark
from gatewatch.report.markup import Html, table, tag
from gatewatch.report.model import ProbeRun, WebhookRun
from gatewatch.report.probe_source import LOST

#: Headlines of the latest run's webhook findings shown in the table; the rest are counted.
FINDINGS_SHOWN = 3
WEBHOOK_ROW = "webhook"


def has_webhooks(runs: Sequence[ProbeRun]) -> bool:
    """True when any of `runs` had a receiver (and so a webhook timeline)."""
    return any(r.webhooks is not None for r in runs)


def webhook_lane(webhooks: WebhookRun) -> Lane:
    """The row under a run's poll row: when each status's first delivery report came."""
    marks = tuple(Mark(s.status, s.at_s, s.bound_s) for s in webhooks.statuses)
    lead = "" if webhooks.minus_poll_s is None else f", {_signed(webhooks.minus_poll_s)}"
    return Lane(label=WEBHOOK_ROW, marks=marks, note=f"{webhooks.state}{lead}", kind=WEBHOOK_ROW, dashed=True)


def webhook_table(runs: Mapping[str, Sequence[ProbeRun]]) -> Html:
    """One row per channel with webhooks: webhook minus poll (median, latest) and the delivery counts."""
    rows = []
    for channel, channel_runs in runs.items():
        hooks = [r.webhooks for r in channel_runs if r.webhooks is not None]
        if not hooks:
            continue
        leads = [
            h.minus_poll_s for h in hooks if h.minus_poll_s is not None and math.isfinite(h.minus_poll_s)
        ]
        latest = hooks[-1]
        rows.append(
            (
                channel,
                len(hooks),
                _signed(statistics.median(leads)) if leads else None,
                _signed(latest.minus_poll_s) if latest.minus_poll_s is not None else latest.state,
                _failures(sum(h.state == LOST for h in hooks)),
                _notes(sum(h.duplicates for h in hooks)),
                _notes(sum(h.out_of_order for h in hooks)),
                _failures(sum(h.contradicting for h in hooks)),
                _findings(latest.violations),
            )
        )
    return table(
        [
            "channel",
            "runs",
            "webhook minus poll, median",
            "latest",
            "lost",
            "duplicated",
            "out of order",
            "contradicting",
            "latest run's findings",
        ],
        rows,
        numeric=(1, 2, 3, 4, 5, 6, 7),
        caption="Webhook minus poll: when the delivery report arrived minus when a lookup first showed "
        "the final status (negative: the webhook came first; the poll's dot on the timelines is placed "
        "earlier, inside its whiskers, by the answer's updatedAt). Counts over the runs with a receiver "
        "in the history read: lost and contradicting webhooks are failures, duplicates and "
        "out-of-order ones are allowed and noted.",
    )


def _signed(seconds: float) -> str:
    return f"{seconds:+.2f} s"


def _failures(found: int) -> Html | int:
    return tag("span", found, class_="status failed") if found else 0


def _notes(found: int) -> Html | int:
    return tag("span", found, class_="note") if found else 0


def _findings(headlines: Sequence[str]) -> str | None:
    if not headlines:
        return None
    shown = "; ".join(headlines[:FINDINGS_SHOWN])
    more = len(headlines) - FINDINGS_SHOWN
    return f"{shown}; and {more} more" if more > 0 else shown
