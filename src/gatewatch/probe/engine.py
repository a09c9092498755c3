"""One probe run on one channel: send, wait, poll with backoff, check every answer, classify.

Every answer goes through the checks the contract suite uses (`run_checks`, the
expectations, the lifecycle tracker). How each situation is classified:

- no connection for the send: unreachable; the send's connection dropped, or it was
  answered anything but a success code: send_failed (never resent: a second real
  message is worse than a missed run); 403 on the send or any lookup: forbidden (this
  machine is not on the allow-list: configuration, so its answer is not judged);
  401 on the send or any lookup: auth_failed;
- a 429 is waited out by the client as it says (bounded) and counted; one the client
  gave up on is a missed lookup (or, on the send, send_failed). A 429 that came while
  the probe's own rate was within its pacing target breaks `throttled_below_limit`;
- any broken rule (a malformed body, a repeated 500, an unknown status, a forbidden
  move, a final status that changes): contract_violation, and the run stops there;
- a final status: its outcome (delivered, error with the reason, expired), after
  `confirm_lookups` more lookups show it has not changed;
- a lookup whose connection drops is retried a few times at once; if it still fails that
  lookup is missed and polling goes on. At the deadline a message that is not final is
  stuck, or unreachable when that last lookup (or every lookup) could not get through.

Precedence: forbidden, auth_failed, contract_violation, the final status, interrupted,
unreachable, stuck. With a webhook receiver (`probe.webhooks`), a final status is then
checked against the message's delivery webhooks: `outcomes.decide` says which outranks.
The UNKNOWN test recipient never settles, so its runs end stuck.
Every field name and HTTP code is read from the contract.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import requests

from gatewatch.checks import (
    LifecycleTracker,
    Violation,
    expect_found,
    expect_send_accepted,
    parse_updated_at,
    run_checks,
    sent_id,
    status_bodies,
)
from gatewatch.contract import Contract
from gatewatch.core import progress_feed
from gatewatch.core.bounds import clip
from gatewatch.core.errors import TargetUnreachable
from gatewatch.core.exchange import Exchange
from gatewatch.core.preflight import forbidden_message
from gatewatch.probe.clock import Clock
from gatewatch.probe.outcomes import Outcome, decide, final_outcome
from gatewatch.probe.polling import confirm_wait, schedule
from gatewatch.probe.settings import ChannelPlan, ProbeSettings
from gatewatch.probe.timing import StatusTiming, Timeline
from gatewatch.probe.webhooks import Follower, WebhookReport

# A run keeps at most this many violations: the first ones say what broke.
MAX_VIOLATIONS = 20
# An error body's text in a reason is cut here: enough to read, not a whole page.
_DETAIL_MAX = 240


class ProbeClient(Protocol):
    """The two calls the probe makes (GatewayClient has them)."""

    def send(self, channel: str, to: str, text: str) -> Exchange:
        """POST a message; the answer carries its id."""

    def lookup(self, message_id: str, channel: str | None) -> Exchange:
        """GET one message's status."""


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the gateway accepted: recorded at once, so a crash still leaves its id."""

    run_id: str
    target: str
    channel: str
    message_id: str
    sent_at: float  # epoch seconds


@dataclass(frozen=True, slots=True, kw_only=True)
class Confirmation:
    """The failed run a confirming probe followed: its outcome, and whether the second run agreed."""

    run_id: str
    message_id: str | None
    outcome: Outcome
    reason: str | None
    confirmed: bool  # the second probe failed too


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult:
    """What one run saw and concluded."""

    run_id: str
    target: str
    channel: str
    to: str
    outcome: Outcome
    reason: str | None
    message_id: str | None
    final_status: str | None
    last_status: str | None
    statuses: tuple[StatusTiming, ...]
    lookups: int  # lookup requests, 500 retries and reconnects included
    requests: int  # every request, the send included
    server_errors: int
    transport_errors: int
    violations: tuple[Violation, ...]
    started_at: float  # epoch seconds
    sent_at: float | None  # epoch seconds: when the gateway created the message, best estimate
    duration_s: float
    deadline_s: float
    throttled: int = 0  # 429 answers seen (each one, waited out or not)
    throttled_wait_s: float = 0.0  # seconds the client waited because of them
    #: The message's delivery webhooks (None: the run had no receiver, or sent nothing).
    webhooks: WebhookReport | None = None
    #: The channel's degraded threshold when the run was made (None: none).
    degraded_after_s: float | None = None
    #: The maintenance window the run started in (its reason), None outside one.
    maintenance: str | None = None
    #: This run failed and a confirming probe follows: its outcome counts only through that one's.
    awaiting_confirmation: bool = False
    #: This run is a confirming probe: the failed run it followed.
    confirmation: Confirmation | None = None

    @property
    def pending(self) -> bool:
        """True when the message exists but was not seen final: later runs look it up again."""
        return self.message_id is not None and self.final_status is None

    def time_to(self, status: str) -> StatusTiming | None:
        """When `status` was first seen, or None."""
        return next((t for t in self.statuses if t.status == status), None)


def new_run_id() -> str:
    """A short unique id for one channel's run."""
    return uuid.uuid4().hex[:16]


def mask_number(number: str) -> str:
    """A recipient as records show it: enough to tell test numbers apart, not a real number."""
    return "***" + number[-4:]


@dataclass(slots=True)
class _Read:
    exchange: Exchange
    status: str | None
    description: str | None
    answered: float = 0.0  # monotonic: when the answer came


@dataclass(slots=True)
class _Run:
    client: ProbeClient
    contract: Contract
    plan: ChannelPlan
    settings: ProbeSettings
    clock: Clock
    run_id: str
    target: str
    on_sent: Callable[[SentMessage], None] | None
    follower: Follower | None = None
    started: float = 0.0
    started_wall: float = 0.0
    epoch_offset: float = 0.0
    message_id: str | None = None
    timeline: Timeline | None = None
    tracker: LifecycleTracker | None = None
    violations: list[Violation] = field(default_factory=list)
    lookups: int = 0
    requests: int = 0
    server_errors: int = 0
    transport_errors: int = 0
    throttled: int = 0
    throttled_wait_s: float = 0.0
    last_transport_error: str | None = None
    last_read_failed: bool = False
    auth_failed: str | None = None
    forbidden: str | None = None
    interrupted: bool = False
    final_status: str | None = None
    final_description: str | None = None
    final_at: float | None = None  # monotonic: the answer that first showed the final status
    webhooks: WebhookReport | None = None

    # -- the run ------------------------------------------------------------------------

    def execute(self) -> RunResult:
        self.started = self.clock.monotonic()
        self.started_wall = self.clock.time()
        self.epoch_offset = self.started_wall - self.started
        early = self._send()
        if early is not None:
            return self._result(*early)
        assert self.message_id is not None
        self._poll(self.message_id)
        outcome, reason = self._conclude()
        self._follow(self.message_id)
        return self._result(
            *decide(
                outcome,
                reason,
                self.webhooks,
                delivered_in_s=self._final_in_s(),
                degraded_after_s=self.plan.degraded_after_s,
            )
        )

    def _final_in_s(self) -> float | None:
        """Seconds from the send to the final status, when the poll saw one."""
        if self.timeline is None or self.final_status is None:
            return None
        return next((t.at_s for t in self.timeline.timings() if t.status == self.final_status), None)

    def _follow(self, message_id: str) -> None:
        """The message's webhooks, waited for when the poll saw it final (and broke no rule)."""
        if self.follower is None or self.timeline is None or self.interrupted:
            return
        final = self.final_status is not None and self._ended_early() is None
        self.webhooks = self.follower.follow(
            message_id,
            sent_at=self.timeline.origin,
            last_status=self.timeline.last_status,
            final_status=self.final_status if final else None,
            final_at=self.final_at if final else None,
            channel_deadline_s=self.plan.deadline_s,
            clock=self.clock,
        )

    def _send(self) -> tuple[Outcome, str] | None:
        """Send; an outcome when the run ends here."""
        text = self.settings.text.format(run_id=self.run_id)
        try:
            exchange = self.client.send(self.plan.channel, self.plan.to, text)
        except TargetUnreachable as exc:
            self.requests += 1
            if exc.connected:
                return Outcome.SEND_FAILED, f"the send's connection failed: {exc}"
            return Outcome.UNREACHABLE, str(exc)
        except requests.RequestException as exc:  # e.g. a body cut off mid-stream
            self.requests += 1
            return Outcome.SEND_FAILED, f"the send's answer could not be read: {type(exc).__name__}"
        answered = self.clock.monotonic()
        self._count(exchange)
        return self._refused(exchange) or self._accept(exchange, answered)

    def _refused(self, exchange: Exchange) -> tuple[Outcome, str] | None:
        """The outcome when the send was not accepted (refused, throttled, failed)."""
        codes = self.contract.codes
        if exchange.status == codes.forbidden:
            return Outcome.FORBIDDEN, forbidden_message(exchange)
        self._violate(run_checks(exchange, self.contract))
        detail = _error_detail(exchange, self.contract)
        if exchange.status == codes.unauthorized:
            return Outcome.AUTH_FAILED, f"send answered {exchange.status}{detail}"
        if exchange.status == codes.too_many_requests:
            if self.violations:  # e.g. throttled while within the pacing target: the gateway's doing
                return Outcome.CONTRACT_VIOLATION, self._first_violation()
            waited_s = sum(t.waited_s for t in exchange.throttled)
            times = len(exchange.throttled)
            reason = f"send throttled ({exchange.status}) {times} time(s), {waited_s:.1f} s waited; gave up"
            return Outcome.SEND_FAILED, reason + detail
        if exchange.status not in self.contract.send.success_codes:
            return Outcome.SEND_FAILED, f"send answered {exchange.status}{detail}"
        return None

    def _accept(self, exchange: Exchange, answered: float) -> tuple[Outcome, str] | None:
        """Take the accepted send's id and start its timeline; an outcome if the answer broke a rule."""
        # The probe never asks for a dry run (service.py refuses such targets).
        self._violate(expect_send_accepted(exchange, self.contract, dry_run=False))
        message_id = sent_id(exchange, self.contract)
        if message_id is None:
            return Outcome.CONTRACT_VIOLATION, self._first_violation()
        self.message_id = message_id
        asked = answered - exchange.response.elapsed_s
        self.timeline = Timeline(min(asked, answered), answered, self.epoch_offset)
        self.tracker = LifecycleTracker(self.contract, max_messages=1)
        if self.on_sent is not None:
            sent_at = self.epoch_offset + self.timeline.origin
            self.on_sent(SentMessage(self.run_id, self.target, self.plan.channel, message_id, sent_at))
        if self.violations:
            return Outcome.CONTRACT_VIOLATION, self._first_violation()
        return None

    def _poll(self, message_id: str) -> None:
        settings = self.settings
        offsets = schedule(
            self.plan.initial_delay_s,
            self.plan.deadline_s,
            settings.backoff,
            reserve=settings.confirm_lookups,
        )
        index = 0
        confirms_left: int | None = None
        for _ in range(len(offsets) + settings.confirm_lookups):  # bounded: the lookup budget
            confirming = confirms_left is not None
            if confirming:
                now_offset = self.clock.monotonic() - self.started
                wait = confirm_wait(offsets, now_offset, settings.confirm_wait_max_s)
                due = self.clock.monotonic() + wait
            else:
                due = self.started + offsets[index]
                index += 1
            if self._wait_until(due):
                self.interrupted = True
                return
            read = self._lookup(message_id)
            if self.interrupted:
                return
            self.last_read_failed = read is None
            if read is not None and self._stops(read):
                return
            if read is not None and not confirming and self._reached_final(read):
                confirms_left = settings.confirm_lookups
            if confirms_left is not None and confirming:
                confirms_left -= 1  # a confirmation that could not get through still counts
            if confirms_left == 0 or (confirms_left is None and index >= len(offsets)):
                return

    def _stops(self, read: _Read) -> bool:
        """Report the read's status; True when it ends the polling (refused, or a rule broken)."""
        if read.status is not None:
            progress_feed.probe(channel=self.plan.channel, status=read.status)
        status = read.exchange.status
        if status == self.contract.codes.forbidden:
            self.forbidden = forbidden_message(read.exchange)
            return True
        if status == self.contract.codes.unauthorized:
            detail = _error_detail(read.exchange, self.contract)
            self.auth_failed = f"lookup answered {status}{detail}"
            return True
        return bool(self.violations)

    def _reached_final(self, read: _Read) -> bool:
        """Keep the first final status seen; True when this read is it."""
        if read.status is None or not self.contract.is_final(read.status):
            return False
        self.final_status, self.final_description = read.status, read.description
        self.final_at = read.answered
        return True

    def _lookup(self, message_id: str) -> _Read | None:
        """One lookup, reconnecting a few times if its connection fails; None if it never answered."""
        settings = self.settings
        for attempt in range(1 + settings.transport_retries):  # bounded by transport_retries
            if attempt and self.clock.wait(settings.transport_retry_delay_s):
                self.interrupted = True
                return None
            try:
                exchange = self.client.lookup(message_id, self.plan.channel)
            except TargetUnreachable as exc:
                self._transport_failed(str(exc))
                continue
            except requests.RequestException as exc:
                self._transport_failed(f"the answer could not be read: {type(exc).__name__}")
                continue
            return self._read(exchange)
        return None

    def _read(self, exchange: Exchange) -> _Read:
        answered = self.clock.monotonic()
        self.lookups += exchange.attempts
        self._count(exchange)
        contract = self.contract
        codes = contract.codes
        assert self.tracker is not None and self.timeline is not None
        if exchange.status == codes.forbidden:
            return _Read(exchange, None, None)  # configuration: nothing of the gateway's to judge
        self._violate(run_checks(exchange, contract))
        # A refused key or a 429 the client gave up on says nothing about the message.
        if exchange.status not in (codes.unauthorized, codes.too_many_requests):
            self._violate(expect_found(exchange, contract))
        self._violate(self.tracker.observe(exchange))
        bodies = status_bodies(exchange, contract)
        body = bodies[0] if bodies else {}
        names = contract.fields
        status = body.get(names.status)
        if not isinstance(status, str) or status not in contract.statuses:
            return _Read(exchange, None, None)
        description = body.get(names.description)
        self.timeline.observe(
            answered - exchange.response.elapsed_s,
            answered,
            status,
            parse_updated_at(body.get(names.updated_at)),
            initial=status in contract.initial_statuses,
        )
        # The description becomes the run's reason, on the console and in the history: bounded.
        return _Read(exchange, status, clip(description) if isinstance(description, str) else None, answered)

    # -- bookkeeping --------------------------------------------------------------------

    def _wait_until(self, due: float) -> bool:
        return self.clock.wait(max(0.0, due - self.clock.monotonic()))

    def _count(self, exchange: Exchange) -> None:
        """Requests, 500s and 429s of one call (the lookups are counted by the caller)."""
        self.requests += exchange.attempts
        self.server_errors += exchange.server_errors
        self.throttled += len(exchange.throttled)
        self.throttled_wait_s += sum(t.waited_s for t in exchange.throttled)

    def _transport_failed(self, message: str) -> None:
        self.lookups += 1
        self.requests += 1
        self.transport_errors += 1
        self.last_transport_error = message

    def _violate(self, found: list[Violation]) -> None:
        room = MAX_VIOLATIONS - len(self.violations)
        if room > 0:
            self.violations.extend(found[:room])

    def _first_violation(self) -> str:
        if not self.violations:
            return "the answer broke the contract"
        more = len(self.violations) - 1
        return self.violations[0].headline() + (f" (+{more} more)" if more else "")

    def _conclude(self) -> tuple[Outcome, str | None]:
        early = self._ended_early()
        if early is not None:
            return early
        if self.final_status is not None:
            return final_outcome(self.contract, self.final_status), self.final_description
        last = self.timeline.last_status if self.timeline else None
        if self.interrupted:
            return Outcome.INTERRUPTED, f"stopped after {self._elapsed():.1f} s, last status {last}"
        if self.last_read_failed or (last is None and self.transport_errors):
            return Outcome.UNREACHABLE, self.last_transport_error
        return Outcome.STUCK, f"still {last} at the {self.plan.deadline_s:g} s deadline"

    def _ended_early(self) -> tuple[Outcome, str] | None:
        """Refused, or a rule broken: these outrank whatever status was reached."""
        if self.forbidden is not None:
            return Outcome.FORBIDDEN, self.forbidden
        if self.auth_failed is not None:
            return Outcome.AUTH_FAILED, self.auth_failed
        if self.violations:
            return Outcome.CONTRACT_VIOLATION, self._first_violation()
        return None

    def _elapsed(self) -> float:
        return self.clock.monotonic() - self.started

    def _result(self, outcome: Outcome, reason: str | None) -> RunResult:
        timeline = self.timeline
        return RunResult(
            run_id=self.run_id,
            target=self.target,
            channel=self.plan.channel,
            to=mask_number(self.plan.to),
            outcome=outcome,
            reason=reason,
            message_id=self.message_id,
            final_status=self.final_status,
            last_status=timeline.last_status if timeline else None,
            statuses=timeline.timings() if timeline else (),
            lookups=self.lookups,
            requests=self.requests,
            server_errors=self.server_errors,
            transport_errors=self.transport_errors,
            violations=tuple(self.violations),
            started_at=self.started_wall,
            sent_at=self.epoch_offset + timeline.origin if timeline else None,
            duration_s=self._elapsed(),
            deadline_s=self.plan.deadline_s,
            throttled=self.throttled,
            throttled_wait_s=self.throttled_wait_s,
            webhooks=self.webhooks,
            degraded_after_s=self.plan.degraded_after_s,
        )


def _error_detail(exchange: Exchange, contract: Contract) -> str:
    """` (name: message)` from an error body's text fields, as the contract names them; "" if none.

    The fields come in the schema's order (the error's name, then the message, in both
    dialects); the one that echoes the HTTP code says nothing the reason does not.
    """
    body = exchange.response.json_or_none()
    if not isinstance(body, dict):
        return ""
    error = contract.error
    parts = [
        value
        for name in error.fields.values()
        if name != error.status_field and isinstance(value := body.get(name), str) and value
    ]
    return f" ({': '.join(parts)[:_DETAIL_MAX]})" if parts else ""


def not_sent(plan: ChannelPlan, *, target: str, outcome: Outcome, reason: str, clock: Clock) -> RunResult:
    """The result of a run that sent nothing because the preflight refused (e.g. forbidden)."""
    now = clock.time()
    return RunResult(
        run_id=new_run_id(),
        target=target,
        channel=plan.channel,
        to=mask_number(plan.to),
        outcome=outcome,
        reason=reason,
        message_id=None,
        final_status=None,
        last_status=None,
        statuses=(),
        lookups=0,
        requests=0,
        server_errors=0,
        transport_errors=0,
        violations=(),
        started_at=now,
        sent_at=None,
        duration_s=0.0,
        deadline_s=plan.deadline_s,
        degraded_after_s=plan.degraded_after_s,
    )


def run_channel(
    client: ProbeClient,
    contract: Contract,
    plan: ChannelPlan,
    settings: ProbeSettings,
    *,
    clock: Clock,
    target: str,
    run_id: str | None = None,
    on_sent: Callable[[SentMessage], None] | None = None,
    follower: Follower | None = None,
) -> RunResult:
    """Probe one channel once: send, follow the message to a final status or the deadline."""
    run = _Run(
        client=client,
        contract=contract,
        plan=plan,
        settings=settings,
        clock=clock,
        run_id=run_id or new_run_id(),
        target=target,
        on_sent=on_sent,
        follower=follower,
    )
    result = run.execute()
    progress_feed.probe(channel=plan.channel, status=result.outcome.value)
    return result
