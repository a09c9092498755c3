"""The probe's section of the page: the latest run per channel and a timeline of each channel's runs."""

from __future__ import annotations

from datetime import UTC, datetime

from gatewatch.core.reports_layout import RELATIVE
from gatewatch.report.charts import Lane, Mark, Series, colors_for, line_chart, timeline
from gatewatch.report.markup import (
    Html,
    clock,
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
    when,
)
from gatewatch.report.model import ProbePart, ProbeRun, Verdict
from gatewatch.report.probe_source import DEGRADED, concluded, delivered
from gatewatch.report.probe_webhooks import has_webhooks, webhook_lane, webhook_table

LANES_PER_CHANNEL = 20  # rows per timeline: the latest runs (half as many when each has a webhook row too)
POINTS_PER_SERIES = 300  # runs per channel on the time-to-final chart


def probe_section(part: ProbePart) -> Html:
    """`<section id="probe">`: per channel, the latest outcome and when each status came."""
    body = [problems(part.problems)]
    if part.verdict is Verdict.INTERRUPTED:
        body.append(interrupted_note(part.interrupted))
        return section("probe", "Synthetic probe", part.verdict, body)
    if part.verdict is Verdict.NOT_RUN and not part.runs:
        body.append(
            tag(
                "p",
                f"Not run: this folder has no {RELATIVE.probe_history.as_posix()} with a run in it "
                "(gatewatch probe writes it).",
            )
        )
        return section("probe", "Synthetic probe", part.verdict, body)
    runs = [r for rs in part.runs.values() for r in rs]
    body.append(
        facts(
            [
                ("target", part.target.name),
                ("ran", span(part.ran.started, part.ran.ended)),
                ("runs", f"{len(runs)} on {len(part.runs)} channel(s)"),
                ("history", "only its last 8 MiB were read" if part.truncated else None),
            ]
        )
    )
    body.append(tag("h3", "Latest run per channel"))
    body.append(_latest_table(part))
    colors = colors_for(
        s.status for r in runs for s in (*r.statuses, *(r.webhooks.statuses if r.webhooks else ()))
    )
    finals = [
        Series(
            channel,
            tuple((r.started, _final_at(r)) for r in rs[-POINTS_PER_SERIES:] if _has_final(r) and r.started),
        )
        for channel, rs in part.runs.items()
    ]
    finals = [s for s in finals if s.points]
    if finals:
        body.append(tag("h3", "Time to the final status, run by run"))
        body.append(
            figure(
                line_chart(
                    finals,
                    title="Time to the final status per run",
                    x_label="run started (UTC)",
                    y_label="seconds after the send",
                    x_format=clock,
                ),
                "Seconds from the send to the final status, for each run that reached one, by channel.",
            )
        )
    marked = [r for r in runs if marks(r)]
    if marked:
        body.append(tag("h3", "Degraded, unconfirmed and maintenance runs"))
        body.append(_marked_table(marked))
    if has_webhooks(runs):
        body.append(tag("h3", "Delivery webhooks beside the poll"))
        body.append(webhook_table(part.runs))
    for channel, channel_runs in part.runs.items():
        body.append(tag("h3", f"{channel}: time to each status"))
        body.append(_channel_timeline(channel, channel_runs, colors))
    if part.late:
        body.append(tag("h3", "Messages settled or given up on by later runs"))
        body.append(
            table(
                ["run", "channel", "record", "outcome", "status", "reason", "when"],
                [(r.run_id, r.channel, r.kind, r.outcome, r.status, r.reason, when(r.at)) for r in part.late],
            )
        )
    return section("probe", "Synthetic probe", part.verdict, body)


def _latest_table(part: ProbePart) -> Html:
    rows = []
    for channel, runs in part.runs.items():
        latest = next((r for r in reversed(runs) if concluded(r)), runs[-1])
        state = _state(latest)
        final = (
            f"{latest.final_status} after {_final_at(latest):.2f} s"
            if _has_final(latest)
            else latest.last_status
        )
        why = "; ".join([*([latest.reason] if latest.reason else []), *latest.violations]) or None
        rows.append(
            (
                channel,
                Html(tag("span", latest.outcome, class_=f"status {state}") + _mark_tags(latest)),
                when(latest.started),
                final,
                count(latest.lookups),
                count(latest.server_errors),
                count(latest.throttled),
                number(latest.duration_s, 1, "s"),
                why,
            )
        )
    return table(
        ["channel", "outcome", "started", "final status", "lookups", "500s", "429s", "duration", "why"],
        rows,
        numeric=(4, 5, 6, 7),
    )


def _state(run: ProbeRun) -> str:
    """The outcome's class: passed, degraded (delivered, slowly) or failed."""
    if run.outcome == DEGRADED:
        return "degraded"
    return "passed" if delivered(run) else "failed"


def marks(run: ProbeRun) -> list[tuple[str, str]]:
    """What sets the run apart, as (mark, detail): maintenance, degraded, its confirmation."""
    found = []
    if run.maintenance is not None:
        found.append(("maintenance", run.maintenance))
    if run.outcome == DEGRADED:
        threshold = f"over the {run.degraded_after_s:g} s threshold" if run.degraded_after_s else ""
        found.append(("degraded", run.reason or threshold))
    if run.awaiting_confirmation:
        found.append(("confirming", "failed; the next run on the channel is its confirming probe"))
    first = run.confirmation
    if first is not None:
        what = f"run {first.run_id} {first.outcome}" + (f" ({first.reason})" if first.reason else "")
        if first.confirmed:
            found.append(("confirmed", f"the confirming probe failed too, after {what}"))
        else:
            found.append(("unconfirmed", f"a failure the confirming probe did not confirm: {what}"))
    return found


def _mark_tags(run: ProbeRun) -> Html:
    return Html("".join(tag("span", mark, class_="mark") for mark, _ in marks(run) if mark != DEGRADED))


def _marked_table(runs: list[ProbeRun]) -> Html:
    rows = [
        (
            r.run_id,
            r.channel,
            when(r.started),
            Html(tag("span", r.outcome, class_=f"status {_state(r)}")),
            mark,
            detail,
        )
        for r in runs[-LANES_PER_CHANNEL * 5 :]
        for mark, detail in marks(r)
    ]
    return table(["run", "channel", "started", "outcome", "mark", "detail"], rows)


def _channel_timeline(channel: str, runs: tuple[ProbeRun, ...], colors: dict[str, str]) -> Html:
    """The channel's latest runs, one row each; a run that got webhooks has its webhook row under it."""
    hooked = has_webhooks(runs[-LANES_PER_CHANNEL:])
    shown = runs[-(LANES_PER_CHANNEL // 2 if hooked else LANES_PER_CHANNEL) :]
    lanes = [lane for r in shown for lane in (_lane(r), *([webhook_lane(r.webhooks)] if r.webhooks else []))]
    caption = (
        f"One row per run (latest {len(shown)} of {len(runs)}): a dot where each status was first seen, its "
        "error bound as whiskers; the outcome on the right."
    )
    if hooked:
        caption += (
            " Under a run that had a receiver, a dashed webhook row: a dot where the first delivery report "
            "of each status came; on the right its state and the webhook minus poll time (arrival minus the "
            "lookup that first showed the final status)."
        )
    return figure(
        timeline(
            lanes,
            title=f"{channel}: time to each status, last {len(shown)} runs",
            x_label="seconds after the send",
            colors=colors,
        ),
        caption,
    )


def _has_final(run: ProbeRun) -> bool:
    return run.started is not None and run.final_status is not None and bool(run.statuses)


def _final_at(run: ProbeRun) -> float:
    return next(
        (s.at_s for s in reversed(run.statuses) if s.status == run.final_status), run.statuses[-1].at_s
    )


def _lane(run: ProbeRun) -> Lane:
    label = datetime.fromtimestamp(run.started, UTC).strftime("%m-%d %H:%M:%S") if run.started else run.run_id
    end = run.duration_s if run.final_status is None else None
    points = tuple(Mark(s.status, s.at_s, s.bound_s) for s in run.statuses)
    note = " · ".join([run.outcome, *(mark for mark, _ in marks(run) if mark != DEGRADED)])
    return Lane(label=label, marks=points, end=end, note=note)
