"""The probe's second witness: the delivery webhooks of the message a run sent.

The account's one callback is this process's `Receiver` (registered by `probe.callback`).
After the poll sees a final status, a run waits for a delivery report about its message,
at most the webhook deadline after that lookup (the channel's deadline unless told), then
judges what came with the checks the suite uses (`decode_delivery`, `judge_webhooks`).
Other senders share the callback (every channel, the partner's own traffic), so a webhook
for a message this run did not send is none of its business (`unknown_fails=False`).

Every time is on the monotonic clock the receiver stamps deliveries with (`SystemClock`'s).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from gatewatch.checks import Violation
from gatewatch.checks.webhook_deliveries import (
    DecodedDelivery,
    PolledMessage,
    WebhookFinding,
    WebhookObservation,
    WebhookPolicy,
    WebhookState,
    judge_webhooks,
)
from gatewatch.checks.webhook_payloads import decode_each
from gatewatch.contract import Contract
from gatewatch.core.webhooks import Delivery, Receiver
from gatewatch.probe.clock import Clock

#: How often a run waiting for its webhook looks at the stop flag (a signal ends the wait).
WAIT_SLICE_S = 0.25


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookReport:
    """One message's webhooks as the run saw them: what the outcome and the records are made of."""

    state: WebhookState
    #: Each status a delivery report stood for, when the first such report came (seconds after the send).
    timeline: tuple[tuple[str, float], ...] = ()
    deliveries: int = 0  # webhooks about this message, any event type, duplicates included
    duplicates: int = 0
    out_of_order: int = 0
    contradicting: int = 0
    #: Time to the final status by webhook minus by poll (negative: the webhook came first).
    minus_poll_s: float | None = None
    #: What the payloads broke (their shape, statusCode, status word).
    violations: tuple[Violation, ...] = ()
    #: The webhook rules this message broke (lost, contradicting, a webhook for a simulation send).
    failures: tuple[WebhookFinding, ...] = ()

    @property
    def lost(self) -> bool:
        """True when no delivery report came within the deadline after the poll saw final."""
        return self.state is WebhookState.LOST

    def brief(self) -> str:
        """A few words for the run's line: `+0.12s` after the poll, lost, or where it stands."""
        if self.minus_poll_s is not None:
            return f"{self.minus_poll_s:+.3f}s"
        return self.state.value


class Follower:
    """Waits for and judges one message's webhooks at a time (thread-safe: the receiver is)."""

    def __init__(self, contract: Contract, receiver: Receiver, *, deadline_s: float | None = None) -> None:
        self.contract = contract
        self.receiver = receiver
        #: None: each channel's own deadline.
        self.deadline_s = deadline_s

    def follow(
        self,
        message_id: str,
        *,
        sent_at: float,
        last_status: str | None,
        final_status: str | None,
        final_at: float | None,
        channel_deadline_s: float,
        clock: Clock,
    ) -> WebhookReport:
        """Wait (bounded) for a delivery report of `message_id` once the poll saw final, then judge."""
        deadline_s = self.deadline_s if self.deadline_s is not None else channel_deadline_s
        if final_at is not None:
            self._wait(message_id, final_at + deadline_s, clock)
        polled = PolledMessage(
            message_id=message_id, last_status=last_status, final_status=final_status, final_at=final_at
        )
        decoded, violations = self._decoded(message_id, self.receiver.deliveries())
        policy = WebhookPolicy.of(self.contract, deadline_s=deadline_s, unknown_fails=False)
        verdict = judge_webhooks(self.contract, [polled], decoded, policy, now=clock.monotonic())
        return _report(
            verdict.messages[0], decoded, violations, sent_at, self.contract.webhooks.delivery_event
        )

    def forget(self, before: float) -> None:
        """Drop what arrived before `before`: the runs that could want it have concluded."""
        self.receiver.forget(before)

    def _wait(self, message_id: str, due: float, clock: Clock) -> None:
        # A hint, not the judgement: a body naming the id wakes the run (the judge decodes it).
        # A shape that names only the gateway's id waits out the deadline, then is judged.
        needle = message_id.encode()

        def came(deliveries: tuple[Delivery, ...]) -> bool:
            return any(needle in d.body for d in deliveries)

        left = due - clock.monotonic()
        for _ in range(max(0, math.ceil(left / WAIT_SLICE_S)) + 1):  # bounded: the deadline
            left = due - clock.monotonic()
            if left <= 0 or clock.stopping:
                return
            if self.receiver.wait_for(came, min(left, WAIT_SLICE_S)):
                return

    def _decoded(
        self, message_id: str, deliveries: Sequence[Delivery]
    ) -> tuple[list[DecodedDelivery], list[Violation]]:
        """Every delivery decoded, and the payload violations of this message's only."""
        decoded: list[DecodedDelivery] = []
        violations: list[Violation] = []
        for one, wrong in decode_each(self.contract, deliveries):
            if one is not None:
                decoded.append(one)
                if one.message_id == message_id:
                    violations += wrong
        return decoded, violations


def _report(
    observation: WebhookObservation,
    decoded: Sequence[DecodedDelivery],
    violations: Sequence[Violation],
    sent_at: float,
    delivery_event: str,
) -> WebhookReport:
    final = observation.final_status
    timeline: dict[str, float] = {}
    for delivery in sorted(decoded, key=lambda d: d.received_at):
        if delivery.message_id != observation.message_id or delivery.event_type != delivery_event:
            continue
        # statusCode 6 stands for two statuses: the one the poll reached names it, else all of them.
        named = (
            final if final is not None and final in delivery.statuses else "/".join(sorted(delivery.statuses))
        )
        if named:
            timeline.setdefault(named, delivery.received_at - sent_at)
    return WebhookReport(
        state=observation.state,
        timeline=tuple(timeline.items()),
        deliveries=observation.deliveries,
        duplicates=observation.duplicates,
        out_of_order=observation.out_of_order,
        contradicting=observation.contradicting,
        minus_poll_s=observation.webhook_minus_poll_s,
        violations=tuple(violations),
        failures=tuple(f for f in observation.findings if f.fails),
    )
