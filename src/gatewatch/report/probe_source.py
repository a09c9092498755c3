"""Reads the probe's history, probe/history.jsonl (written by `gatewatch.probe.history`).

Record kinds (`type`): `sent`, `run` (outcome, reason, statuses with `at_s` and `bound_s`,
lookups, 500s, 429s, violations, the webhooks of a run that had a receiver, and the marks
of issue 15: degraded, maintenance, a failure awaiting or given its confirmation), `late`
(a pending message settled by a later run) and `abandoned`. The file only grows, so like
the probe itself this reads its last few MiB; a line that does not parse is counted and
named, never fatal.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from gatewatch.core.records.probe_history import (
    AbandonedLine,
    ConfirmationLine,
    HistoryRead,
    LateLine,
    RunLine,
    StatusLine,
    ViolationLine,
    WebhooksLine,
    read_lines,
)
from gatewatch.core.reports_layout import RELATIVE, ReportsLayout
from gatewatch.report._read import Unreadable, epoch
from gatewatch.report.model import (
    Confirmed,
    LateRecord,
    ProbePart,
    ProbeRun,
    Problem,
    RunTime,
    StatusTime,
    TargetInfo,
    Verdict,
    WebhookRun,
)

TAIL_BYTES = 8 * 1024 * 1024
# The history's outcome words (gatewatch.probe.outcomes.Outcome): the report reads files,
# not the probe's modules, so a broken probe build cannot break the page.
DELIVERED = "delivered"
DEGRADED = "degraded"  # delivered, slower than the channel's degraded threshold
INTERRUPTED = "interrupted"
# The webhook state of a message whose delivery report never came
# (gatewatch.checks.webhook_deliveries.WebhookState.LOST).
LOST = "lost"


def read_probe(reports_dir: Path) -> ProbePart:
    """The probe's part of the page; `not run` when there is no history or no run in it."""
    where = RELATIVE.probe_history.as_posix()
    path = ReportsLayout(reports_dir).probe_history
    if not path.is_file():
        return ProbePart(verdict=Verdict.NOT_RUN)
    try:
        data, truncated = _tail(path)
    except Unreadable as exc:
        return ProbePart(verdict=Verdict.UNREADABLE, problems=(Problem(where, str(exc)),))
    lines = data.split(b"\n")
    read = read_lines(lines[1:] if truncated else lines)  # the first line of a tail is probably cut
    problems = [Problem(where, f"{len(bad)} line(s) {how}: {bad[0]}") for how, bad in _notes(read) if bad]
    runs: dict[str, list[ProbeRun]] = {}
    late: list[LateRecord] = []
    for record in read.lines:
        if isinstance(record, RunLine):
            runs.setdefault(record.channel, []).append(_run(record))
        elif isinstance(record, LateLine | AbandonedLine):
            late.append(_late(record))
    targets = sorted({r.target for rs in runs.values() for r in rs if r.target})
    starts = [r.started for rs in runs.values() for r in rs if r.started is not None]
    ends = [r.started + (r.duration_s or 0) for rs in runs.values() for r in rs if r.started is not None]
    return ProbePart(
        verdict=_verdict(runs),
        problems=tuple(problems),
        target=TargetInfo(name=", ".join(targets) or None),
        ran=RunTime(started=min(starts, default=None), ended=max(ends, default=None)),
        runs={channel: tuple(rs) for channel, rs in runs.items()},
        late=tuple(late),
        truncated=truncated,
    )


def concluded(run: ProbeRun) -> bool:
    """A verdict of its own: neither interrupted nor awaiting its confirming probe's."""
    return run.outcome != INTERRUPTED and not run.awaiting_confirmation


def delivered(run: ProbeRun) -> bool:
    """The run delivered its message, in time or degraded."""
    return run.outcome in (DELIVERED, DEGRADED)


def _verdict(runs: Mapping[str, list[ProbeRun]]) -> Verdict:
    """Passed when the latest concluded run of every channel delivered (degraded included)."""
    latest = [next((r for r in reversed(rs) if concluded(r)), None) for rs in runs.values()]
    done = [r for r in latest if r is not None]
    if not done:
        return Verdict.NOT_RUN
    return Verdict.PASSED if all(delivered(r) for r in done) else Verdict.FAILED


def _tail(path: Path) -> tuple[bytes, bool]:
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            start = max(0, size - TAIL_BYTES)
            fh.seek(start)
            return fh.read(), start > 0
    except OSError as exc:
        raise Unreadable(exc.strerror or type(exc).__name__) from None


def _notes(read: HistoryRead) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return (("skipped", read.skipped), ("read in part", read.damaged))


def _run(record: RunLine) -> ProbeRun:
    return ProbeRun(
        run_id=record.run_id or "?",
        target=record.target,
        channel=record.channel,
        started=epoch(record.started_at),
        duration_s=record.duration_s,
        deadline_s=record.deadline_s,
        outcome=record.outcome,
        reason=record.reason,
        final_status=record.final_status,
        last_status=record.last_status,
        statuses=_timeline(record.statuses),
        lookups=record.lookups,
        server_errors=record.server_errors,
        throttled=record.throttled,
        violations=tuple(_headline(v) for v in record.violations),
        webhooks=None if record.webhooks is None else _webhooks(record.webhooks),
        degraded_after_s=record.degraded_after_s,
        maintenance=record.maintenance,
        awaiting_confirmation=record.awaiting_confirmation,
        confirmation=None if record.confirmation is None else _confirmed(record.confirmation),
    )


def _confirmed(line: ConfirmationLine) -> Confirmed:
    return Confirmed(run_id=line.run_id, outcome=line.outcome, reason=line.reason, confirmed=line.confirmed)


def _timeline(statuses: tuple[StatusLine, ...]) -> tuple[StatusTime, ...]:
    return tuple(StatusTime(status=t.status, at_s=t.at_s, bound_s=t.bound_s) for t in statuses)


def _webhooks(line: WebhooksLine) -> WebhookRun:
    return WebhookRun(
        state=line.state,
        statuses=_timeline(line.statuses),
        deliveries=line.deliveries,
        duplicates=line.duplicates,
        out_of_order=line.out_of_order,
        contradicting=line.contradicting,
        minus_poll_s=line.minus_poll_s,
        violations=tuple(_headline(v) for v in line.violations),
    )


def _headline(violation: ViolationLine) -> str:
    rule, provenance = violation.rule or "?", violation.provenance or "?"
    return f"[{rule} ({provenance})] {violation.message or ''}"


def _late(record: LateLine | AbandonedLine) -> LateRecord:
    late = record if isinstance(record, LateLine) else None
    return LateRecord(
        run_id=record.run_id or "?",
        channel=record.channel or "?",
        kind=record.type,
        outcome=late.outcome if late else None,
        status=late.status if late else None,
        reason=record.reason,
        at=epoch(late.checked_at) if late else None,
    )
