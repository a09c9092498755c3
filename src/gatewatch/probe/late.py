"""Messages a run left unsettled, looked up again by later runs until final or too old.

A run that ends stuck, unreachable or stopped leaves its message pending. Each later run
looks every pending message up once: a late DELIVERED, ERROR or EXPIRED is counted (late
deliveries and failures are what an operator most needs to see after a stuck alert), a
404 means the gateway forgot it, and one still not final is tried again next run; so is
one whose lookup was refused (401, 403) or throttled past the client's patience (429).
Times here are wall-clock (epoch) seconds, since the send may have been another process's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import requests

from gatewatch.checks import Violation, parse_updated_at, run_checks, status_bodies, violation
from gatewatch.contract import Contract
from gatewatch.core.bounds import clip
from gatewatch.core.errors import TargetUnreachable
from gatewatch.probe.clock import Clock
from gatewatch.probe.engine import ProbeClient
from gatewatch.probe.outcomes import Outcome, final_outcome
from gatewatch.probe.timing import StatusTiming


@dataclass(frozen=True, slots=True)
class PendingMessage:
    """A message not yet seen final: whose run, where, and what was last known of it."""

    run_id: str
    target: str
    channel: str
    message_id: str
    sent_at: float  # epoch seconds
    last_status: str | None
    last_seen_at: float  # epoch seconds: the last time its status was read (or the send)


@dataclass(frozen=True, slots=True, kw_only=True)
class LateCheck:
    """One more lookup of a pending message, and what it showed."""

    pending: PendingMessage
    checked_at: float
    reachable: bool
    status: str | None = None
    outcome: Outcome | None = None  # set once the message is final
    reason: str | None = None
    timing: StatusTiming | None = None  # the final status, relative to the send
    gone: bool = False  # 404: the gateway no longer knows the id
    violations: tuple[Violation, ...] = ()
    lookups: int = 0
    server_errors: int = 0
    throttled: int = 0  # 429s seen by this lookup
    throttled_wait_s: float = 0.0

    @property
    def settled(self) -> bool:
        """True when the message needs no more lookups."""
        return self.outcome is not None or self.gone


def recheck(client: ProbeClient, contract: Contract, pending: PendingMessage, clock: Clock) -> LateCheck:
    """Look `pending` up once; a final status is placed between its last sighting and now."""
    try:
        exchange = client.lookup(pending.message_id, pending.channel)
    except (TargetUnreachable, requests.RequestException):
        return LateCheck(pending=pending, checked_at=clock.time(), reachable=False, lookups=1)
    answered = clock.time()
    base = LateCheck(
        pending=pending,
        checked_at=answered,
        reachable=True,
        lookups=exchange.attempts,
        server_errors=exchange.server_errors,
        throttled=len(exchange.throttled),
        throttled_wait_s=sum(t.waited_s for t in exchange.throttled),
    )
    codes = contract.codes
    if exchange.status == codes.forbidden:
        return base  # this machine is not allowed: the run's own outcome says so
    found = run_checks(exchange, contract)
    if exchange.status == codes.not_found:
        return replace(base, gone=True)
    names = contract.fields
    bodies = status_bodies(exchange, contract)
    body = bodies[0] if bodies else {}
    status = body.get(names.status)
    if not isinstance(status, str) or status not in contract.statuses:
        return replace(base, violations=tuple(found))
    before = pending.last_status
    if before is not None and not contract.reachable(before, status):
        rule = "final_status_stable" if contract.is_final(before) else "lifecycle_transition"
        message = f"{pending.message_id!r}: {before} -> {status} is not allowed"
        found.append(violation(contract, rule, message, exchange, "late"))
    if not contract.is_final(status):
        return replace(base, status=status, violations=tuple(found))
    earliest, latest = pending.last_seen_at, answered
    server = parse_updated_at(body.get(names.updated_at))
    at = min(max(server.timestamp(), earliest), latest) if server else (earliest + latest) / 2
    timing = StatusTiming(
        status=status,
        at_s=max(0.0, at - pending.sent_at),
        earliest_s=max(0.0, earliest - pending.sent_at),
        latest_s=max(0.0, latest - pending.sent_at),
        server_placed=server is not None,
    )
    description = body.get(names.description)
    return replace(
        base,
        status=status,
        outcome=final_outcome(contract, status),
        reason=clip(description) if isinstance(description, str) else None,
        timing=timing,
        violations=tuple(found),
    )
