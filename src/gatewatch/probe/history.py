"""The probe's history: JSON lines, appended, flushed and fsynced as each fact is known.

Record types (`gatewatch.core.records.probe_history`; each line has `type` and `v`, the format version):

- `sent`: the gateway accepted a message (run id, channel, message id, sent_at). Written
  the moment the send returns, so a crash or SIGTERM mid-run still leaves the id.
- `run`: one per run, when it ends (interrupted runs included): outcome, reason,
  statuses with their times and error bounds, lookups, 500s, 429s and the seconds waited
  for them, violations; the degraded threshold, the maintenance window's reason, and with
  --confirm-failures `awaiting_confirmation` on a failed run (its verdict is the next run's)
  and `confirmation` on the confirming run (the first run's id, message, outcome, reason,
  and whether the second failed too).
- `late`: a message left pending by an earlier run was seen final (or broke a rule).
- `abandoned`: a pending message given up on (too old, too many, or forgotten by the gateway).

Pending messages are rebuilt from the file's tail when the probe starts (the file is
never read whole: it only grows) and kept in memory after that, bounded in number (beyond
`max_pending` the oldest is forgotten).
Timestamps are RFC 3339 UTC; durations are seconds. The key never reaches a record: the
client redacts everything it records, and records hold no request headers.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from gatewatch.checks import Violation
from gatewatch.core.errors import ConfigError
from gatewatch.core.records import encode
from gatewatch.core.records.probe_history import (
    AbandonedLine,
    ConfirmationLine,
    HistoryLine,
    LateLine,
    RunLine,
    SentLine,
    StatusLine,
    ViolationLine,
    WebhooksLine,
    read_lines,
)
from gatewatch.probe.engine import RunResult, SentMessage
from gatewatch.probe.late import LateCheck, PendingMessage
from gatewatch.probe.outcomes import Outcome
from gatewatch.probe.timing import StatusTiming
from gatewatch.probe.webhooks import WebhookReport

log = logging.getLogger(__name__)

# Enough for tens of thousands of runs: far more than the pending age covers at any sane rate.
TAIL_BYTES = 4 * 1024 * 1024


def rfc3339(epoch: float) -> str:
    """Epoch seconds as RFC 3339 UTC with milliseconds."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(value: object) -> float | None:
    """An RFC 3339 string from a record as epoch seconds, or None."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def run_record(result: RunResult) -> RunLine:
    """The `run` line of a result."""
    return RunLine(
        run_id=result.run_id,
        target=result.target,
        channel=result.channel,
        to=result.to,
        started_at=rfc3339(result.started_at),
        ended_at=rfc3339(result.started_at + result.duration_s),
        sent_at=rfc3339(result.sent_at) if result.sent_at is not None else None,
        duration_s=round(result.duration_s, 4),
        deadline_s=result.deadline_s,
        message_id=result.message_id,
        outcome=result.outcome.value,
        exit_code=int(result.outcome.exit_code),
        reason=result.reason,
        final_status=result.final_status,
        last_status=result.last_status,
        pending=result.pending,
        statuses=tuple(status_line(t) for t in result.statuses),
        lookups=result.lookups,
        requests=result.requests,
        server_errors=result.server_errors,
        transport_errors=result.transport_errors,
        throttled=result.throttled,
        throttled_wait_s=round(result.throttled_wait_s, 3),
        violations=violation_lines(result.violations),
        webhooks=webhooks_line(result.webhooks) if result.webhooks is not None else None,
        degraded_after_s=result.degraded_after_s,
        maintenance=result.maintenance,
        awaiting_confirmation=result.awaiting_confirmation,
        confirmation=_confirmation_line(result),
    )


def _confirmation_line(result: RunResult) -> ConfirmationLine | None:
    first = result.confirmation
    if first is None:
        return None
    return ConfirmationLine(
        run_id=first.run_id,
        message_id=first.message_id,
        outcome=first.outcome.value,
        reason=first.reason,
        confirmed=first.confirmed,
    )


def webhooks_line(report: WebhookReport) -> WebhooksLine:
    """A message's webhooks as the history keeps them: the webhook timeline beside the poll's."""
    broken = tuple(
        # The webhook rules are pinned (gateway-api.md, Delivery webhooks).
        ViolationLine(rule=f.rule.value, provenance="pinned", message=f.detail)
        for f in report.failures
    )
    return WebhooksLine(
        state=report.state.value,
        statuses=tuple(StatusLine(status=s, at_s=round(at, 4)) for s, at in report.timeline),
        deliveries=report.deliveries,
        duplicates=report.duplicates,
        out_of_order=report.out_of_order,
        contradicting=report.contradicting,
        minus_poll_s=round(report.minus_poll_s, 4) if report.minus_poll_s is not None else None,
        violations=violation_lines(report.violations) + broken,
    )


def late_record(check: LateCheck) -> LateLine:
    """The `late` line of a re-check that settled a message or found a violation."""
    pending = check.pending
    return LateLine(
        run_id=pending.run_id,
        target=pending.target,
        channel=pending.channel,
        message_id=pending.message_id,
        checked_at=rfc3339(check.checked_at),
        status=check.status,
        outcome=check.outcome.value if check.outcome else None,
        reason=check.reason,
        final=check.outcome is not None,
        timing=status_line(check.timing) if check.timing else None,
        throttled=check.throttled,
        violations=violation_lines(check.violations),
    )


def status_line(timing: StatusTiming) -> StatusLine:
    """A status and its time as the history keeps them (to a tenth of a millisecond)."""
    return StatusLine(
        status=timing.status,
        at_s=round(timing.at_s, 4),
        bound_s=round(timing.bound_s, 4),
        server_placed=timing.server_placed,
    )


def violation_lines(violations: Iterable[Violation]) -> tuple[ViolationLine, ...]:
    """The rules broken, as the history keeps them."""
    return tuple(ViolationLine(rule=v.rule, provenance=v.provenance, message=v.message) for v in violations)


@dataclass(slots=True)
class ChannelState:
    """What the metrics need from earlier runs of a channel (a --once process has no memory)."""

    last_success_at: float | None = None
    last_run_at: float | None = None
    consecutive_failures: int = 0


class History:
    """The history file (optional) and the pending messages; thread-safe."""

    def __init__(self, path: Path | None, *, target: str, max_pending: int, max_age_s: float) -> None:
        self.path = path
        self.target = target
        self.max_pending = max_pending
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self.write_errors = 0
        self._pending: OrderedDict[str, PendingMessage] = OrderedDict()
        self.channels: dict[str, ChannelState] = {}
        if path is not None:
            self._prepare(path)
            for record in _tail_records(path):
                self._replay(record)

    # -- reading ------------------------------------------------------------------------

    def pending(self) -> list[PendingMessage]:
        """Messages still to look up again, oldest first."""
        with self._lock:
            return list(self._pending.values())

    def expired(self, now: float) -> list[PendingMessage]:
        """Pending messages older than max_age_s."""
        with self._lock:
            return [p for p in self._pending.values() if now - p.sent_at > self.max_age_s]

    # -- writing ------------------------------------------------------------------------

    def record_sent(self, sent: SentMessage) -> None:
        """A message was accepted: note it before anything else can go wrong."""
        record = SentLine(
            run_id=sent.run_id,
            target=sent.target,
            channel=sent.channel,
            message_id=sent.message_id,
            sent_at=rfc3339(sent.sent_at),
        )
        with self._lock:
            self._append(record)
            self._replay(record)

    def record_run(self, result: RunResult) -> RunLine:
        """A run ended; returns the record written."""
        record = run_record(result)
        with self._lock:
            self._append(record)
            self._replay(record)
        return record

    def record_late(self, check: LateCheck) -> None:
        """A re-check settled a message, or saw it break a rule (still-pending checks are not written)."""
        if check.gone:
            self.record_abandoned(check.pending, "the gateway no longer knows the id (404)")
            return
        with self._lock:
            if check.outcome is not None or check.violations:
                record = late_record(check)
                self._append(record)
                self._replay(record)
            elif check.reachable and check.pending.run_id in self._pending:
                self._pending[check.pending.run_id] = replace(
                    check.pending, last_status=check.status, last_seen_at=check.checked_at
                )

    def record_abandoned(self, pending: PendingMessage, reason: str) -> None:
        """Give up on a pending message."""
        record = AbandonedLine(
            run_id=pending.run_id,
            target=pending.target,
            channel=pending.channel,
            message_id=pending.message_id,
            reason=reason,
        )
        with self._lock:
            self._append(record)
            self._replay(record)

    # -- internals ----------------------------------------------------------------------

    def _prepare(self, path: Path) -> None:
        """Create the file if needed; end a line a crash cut short, so the next record starts clean."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as exc:
            raise ConfigError(f"cannot open the history file: {exc.strerror}", file=str(path)) from None
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                os.write(fd, b"\n")
        finally:
            os.close(fd)

    def _append(self, record: HistoryLine) -> None:
        if self.path is None:
            return
        line = (json.dumps(encode(record), ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        try:
            _append_line(self.path, line)
        except OSError as exc:
            # A full disk must not stop the canary: the run is still printed and exported.
            self.write_errors += 1
            log.warning("could not append to %s: %s", self.path, exc.strerror or exc)

    def _replay(self, record: HistoryLine) -> None:
        """Update pending messages and channel state from one record (read or just written)."""
        if record.target != self.target or record.run_id is None or record.channel is None:
            return
        run_id, channel = record.run_id, record.channel
        if isinstance(record, SentLine):
            sent_at = parse_time(record.sent_at)
            if sent_at is not None and record.message_id is not None:
                self._add_pending(
                    PendingMessage(run_id, self.target, channel, record.message_id, sent_at, None, sent_at)
                )
        elif isinstance(record, RunLine):
            self._replay_run(record, run_id, channel)
        elif isinstance(record, AbandonedLine) or record.final:
            self._pending.pop(run_id, None)

    def _replay_run(self, record: RunLine, run_id: str, channel: str) -> None:
        state = self.channels.setdefault(channel, ChannelState())
        ended = parse_time(record.ended_at)
        # A run awaiting confirmation is judged by its confirming probe's line.
        if record.outcome != Outcome.INTERRUPTED.value and not record.awaiting_confirmation:
            state.last_run_at = ended
            if record.outcome in (Outcome.DELIVERED.value, Outcome.DEGRADED.value):
                state.last_success_at = ended
                state.consecutive_failures = 0
            else:
                state.consecutive_failures += 1
        if not record.pending:
            self._pending.pop(run_id, None)
            return
        known = self._pending.get(run_id)
        if known is not None and ended is not None:
            self._pending[run_id] = replace(known, last_status=record.last_status, last_seen_at=ended)
            return
        # Its `sent` line is gone from the tail (or was never written): the run line says enough.
        sent_at = parse_time(record.sent_at)
        if record.message_id is not None and sent_at is not None:
            seen = ended if ended is not None else sent_at
            self._add_pending(
                PendingMessage(
                    run_id, self.target, channel, record.message_id, sent_at, record.last_status, seen
                )
            )

    def _add_pending(self, pending: PendingMessage) -> None:
        self._pending[pending.run_id] = pending
        while len(self._pending) > self.max_pending:  # bounded by max_pending
            self._pending.popitem(last=False)


def _append_line(path: Path, line: bytes) -> None:
    """Append `line` durably."""
    # One write() on an O_APPEND descriptor: a line is never interleaved with another
    # process's, and fsync makes it survive a crash or power loss right after.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def _tail_records(path: Path) -> list[HistoryLine]:
    """The records in the last TAIL_BYTES of the file; lines that do not parse are skipped."""
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            start = max(0, size - TAIL_BYTES)
            fh.seek(start)
            data = fh.read()
    except OSError as exc:
        raise ConfigError(f"cannot read the history file: {exc.strerror}", file=str(path)) from None
    lines = data.split(b"\n")
    if start > 0:
        lines = lines[1:]  # the first line is probably cut
    return list(read_lines(lines).lines)
