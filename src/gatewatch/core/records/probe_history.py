"""The probe's history.jsonl: one JSON object per line, as `gatewatch.probe.history` appends them.

Each line has `type` (sent, run, late, abandoned) and `v`, the version of its format.
The probe reads its own file back (pending messages, the alerting gauges) and the report
reads it for the page, both through `parse_line`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gatewatch.core.jsonlines import json_objects
from gatewatch.core.records.codec import Decoded, RecordError, decode, json_name

#: The format of a history line; a reader refuses a newer one.
HISTORY_VERSION = 1
_TYPE = "type"


def _version() -> Any:
    return field(default=HISTORY_VERSION, metadata=json_name("v"))


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusLine:
    """A status and when it was first seen, seconds after the send, with the most that can be off."""

    status: str
    at_s: float
    bound_s: float = 0.0
    server_placed: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ViolationLine:
    """A rule a run (or a re-check) saw broken."""

    rule: str | None
    provenance: str | None
    message: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhooksLine:
    """One message's delivery webhooks, beside its poll (a run that received webhooks only).

    `state` is a `checks.webhook_deliveries.WebhookState` (arrived, lost, waiting, not_final,
    not_expected). `statuses` is the webhook timeline: each status a delivery report stood
    for, when the first such report arrived, seconds after the send (the poll's timeline is
    the run's `statuses`). `minus_poll_s` is the time to the final status by webhook minus
    by poll (negative: the webhook came first).
    """

    state: str
    statuses: tuple[StatusLine, ...] = ()
    deliveries: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    contradicting: int = 0
    minus_poll_s: float | None = None
    violations: tuple[ViolationLine, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfirmationLine:
    """On a confirming probe's run: the failed run it followed (--confirm-failures).

    `confirmed` is true when this second run failed too (the failure counts), false when it
    did not (the first was an unconfirmed failure, counted apart).
    """

    run_id: str | None
    message_id: str | None
    outcome: str | None
    reason: str | None
    confirmed: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class _MessageLine:
    """What every line has: its type and version, and the run and message it is about."""

    type: str = field(default="", init=False)
    version: int = _version()
    run_id: str | None
    target: str | None
    channel: str | None
    message_id: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SentLine(_MessageLine):
    """The gateway accepted a message: written the moment the send returns."""

    type: str = field(default="sent", init=False)
    sent_at: str | None  # RFC 3339 UTC


@dataclass(frozen=True, slots=True, kw_only=True)
class RunLine(_MessageLine):
    """One run, when it ends (interrupted runs included)."""

    type: str = field(default="run", init=False)
    channel: str
    to: str | None
    started_at: str | None
    ended_at: str | None
    sent_at: str | None
    duration_s: float | None
    deadline_s: float | None
    outcome: str
    exit_code: int | None
    reason: str | None
    final_status: str | None
    last_status: str | None
    pending: bool = False
    statuses: tuple[StatusLine, ...] = ()
    lookups: int | None
    requests: int | None
    server_errors: int | None
    transport_errors: int | None
    throttled: int | None
    throttled_wait_s: float | None
    violations: tuple[ViolationLine, ...] = ()
    #: None: the run received no webhooks (no receiver); a line without it reads so too.
    webhooks: WebhooksLine | None = None
    #: The channel's degraded threshold (seconds) when the run was made; None: none.
    degraded_after_s: float | None = None
    #: The maintenance window the run started in (its reason); None outside one.
    maintenance: str | None = None
    #: A failed run a confirming probe followed: its verdict is that run's `confirmation`.
    awaiting_confirmation: bool = False
    #: On a confirming probe: the failed run it followed, and whether it confirmed it.
    confirmation: ConfirmationLine | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LateLine(_MessageLine):
    """A message left pending by an earlier run was seen final (or broke a rule)."""

    type: str = field(default="late", init=False)
    checked_at: str | None
    status: str | None
    outcome: str | None
    reason: str | None
    final: bool = False
    timing: StatusLine | None
    throttled: int | None
    violations: tuple[ViolationLine, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class AbandonedLine(_MessageLine):
    """A pending message given up on (too old, too many, or forgotten by the gateway)."""

    type: str = field(default="abandoned", init=False)
    reason: str | None


HistoryLine = SentLine | RunLine | LateLine | AbandonedLine
_LINES: dict[str, type[SentLine] | type[RunLine] | type[LateLine] | type[AbandonedLine]] = {
    str(cls.__dataclass_fields__[_TYPE].default): cls for cls in (SentLine, RunLine, LateLine, AbandonedLine)
}


def parse_line(raw: Mapping[str, Any]) -> Decoded[HistoryLine] | None:
    """A parsed line as its record; None for a type this version does not know; RecordError if unusable."""
    cls = _LINES.get(str(raw.get(_TYPE)))
    if cls is None:
        return None
    decoded: Decoded[HistoryLine] = decode(cls, dict(raw))
    return decoded


@dataclass(frozen=True, slots=True)
class HistoryRead:
    """The usable lines of a stretch of history, and a note (numbered from 1) for each that was not."""

    lines: tuple[HistoryLine, ...]
    skipped: tuple[str, ...] = ()  # lines left out: not JSON, or a field they cannot do without
    damaged: tuple[str, ...] = ()  # lines kept, a field of which read as None (or its default)


def read_lines(lines: Iterable[bytes]) -> HistoryRead:
    """Each line parsed as its record; a line that is not one is left out and noted, never fatal.

    The history is appended to while it is read, and a writer killed mid-line leaves half a
    line behind; a line of a type this version does not know is left out silently.
    """
    kept: list[HistoryLine] = []
    skipped: list[str] = []
    damaged: list[str] = []
    for number, line in enumerate(lines, start=1):
        found, bad = json_objects([line])
        skipped += [f"line {number}: {note.removeprefix('line 1: ')}" for note in bad]
        for raw in found:
            try:
                decoded = parse_line(raw)
            except RecordError as exc:
                skipped.append(f"line {number}: {exc}")
                continue
            if decoded is None:
                continue
            kept.append(decoded.record)
            if decoded.problems:
                damaged.append(f"line {number}: {decoded.summary()}")
    return HistoryRead(tuple(kept), tuple(skipped), tuple(damaged))
