"""Reads the probe's history, probe/history.jsonl (written by `gatewatch.probe.history`).

Record kinds (`type`): `sent`, `run` (outcome, reason, statuses with `at_s` and `bound_s`,
lookups, 500s, 429s, violations), `late` (a pending message settled by a later run) and
`abandoned`. The file only grows, so like the probe itself this reads its last few MiB;
a line that does not parse is counted and named, never fatal.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gatewatch.jsonlines import json_objects
from gatewatch.report._read import Unreadable, epoch, integer, number, obj, seq, text
from gatewatch.report.model import (
    LateRecord,
    ProbePart,
    ProbeRun,
    Problem,
    RunTime,
    StatusTime,
    TargetInfo,
    Verdict,
)
from gatewatch.reports_layout import RELATIVE, ReportsLayout

TAIL_BYTES = 8 * 1024 * 1024
# The history's outcome words (gatewatch.probe.outcomes.Outcome): the report reads files,
# not the probe's modules, so a broken probe build cannot break the page.
DELIVERED = "delivered"
INTERRUPTED = "interrupted"


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
    records, bad = _records(data, skip_first=truncated)
    problems = [Problem(where, f"{len(bad)} line(s) skipped: {bad[0]}")] if bad else []
    runs: dict[str, list[ProbeRun]] = {}
    late: list[LateRecord] = []
    for record in records:
        kind = record.get("type")
        if kind == "run":
            run = _run(record)
            if run is not None:
                runs.setdefault(run.channel, []).append(run)
        elif kind in ("late", "abandoned"):
            late.append(_late(record, str(kind)))
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


def _verdict(runs: Mapping[str, list[ProbeRun]]) -> Verdict:
    """Passed when the latest concluded run of every channel delivered."""
    latest = [next((r for r in reversed(rs) if r.outcome != INTERRUPTED), None) for rs in runs.values()]
    concluded = [r for r in latest if r is not None]
    if not concluded:
        return Verdict.NOT_RUN
    return Verdict.PASSED if all(r.outcome == DELIVERED for r in concluded) else Verdict.FAILED


def _tail(path: Path) -> tuple[bytes, bool]:
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            start = max(0, size - TAIL_BYTES)
            fh.seek(start)
            return fh.read(), start > 0
    except OSError as exc:
        raise Unreadable(exc.strerror or type(exc).__name__) from None


def _records(data: bytes, *, skip_first: bool) -> tuple[list[Mapping[str, Any]], list[str]]:
    """The JSON objects of the lines, and a note for each line that is not one."""
    lines = data.split(b"\n")
    if skip_first:
        lines = lines[1:]  # cut by the tail
    found, bad = json_objects(lines)
    records: list[Mapping[str, Any]] = list(found)
    return records, bad


def _run(record: Mapping[str, Any]) -> ProbeRun | None:
    channel = text(record.get("channel"))  # own-name: the history's key
    outcome = text(record.get("outcome"))
    if channel is None or outcome is None:
        return None
    statuses = []
    for raw in seq(record.get("statuses")):  # own-name: the history's key
        item = obj(raw)
        name, at = text(item.get("status")), number(item.get("at_s"))  # own-name: the history's key
        if name is not None and at is not None:
            statuses.append(StatusTime(status=name, at_s=at, bound_s=number(item.get("bound_s")) or 0.0))
    return ProbeRun(
        run_id=text(record.get("run_id")) or "?",
        target=text(record.get("target")),
        channel=channel,
        started=epoch(record.get("started_at")),
        duration_s=number(record.get("duration_s")),
        deadline_s=number(record.get("deadline_s")),
        outcome=outcome,
        reason=text(record.get("reason")),
        final_status=text(record.get("final_status")),
        last_status=text(record.get("last_status")),
        statuses=tuple(statuses),
        lookups=integer(record.get("lookups")),
        server_errors=integer(record.get("server_errors")),
        throttled=integer(record.get("throttled")),
        violations=tuple(_headline(obj(v)) for v in seq(record.get("violations"))),
    )


def _headline(raw: Mapping[str, Any]) -> str:
    rule, provenance = text(raw.get("rule")) or "?", text(raw.get("provenance")) or "?"
    return f"[{rule} ({provenance})] {text(raw.get('message')) or ''}"  # own-name: the history's key


def _late(record: Mapping[str, Any], kind: str) -> LateRecord:
    return LateRecord(
        run_id=text(record.get("run_id")) or "?",
        channel=text(record.get("channel")) or "?",  # own-name: the history's key
        kind=kind,
        outcome=text(record.get("outcome")),
        status=text(record.get("status")),  # own-name: the history's key
        reason=text(record.get("reason")),
        at=epoch(record.get("checked_at")),
    )
