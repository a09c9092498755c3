"""The messages a suite run sends up front: one per channel and test recipient.

Sending them all at the start lets their lifecycles run while the other tests do, so the
lifecycle tests at the end mostly find them final already.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from gatewatch.checks import expect_send_accepted, sent_id
from gatewatch.suite.session import SuiteSession

POLL_INTERVAL_S = 0.1
MAX_POLL_INTERVAL_S = 2.0


@dataclass
class Message:
    """A message the run sent: its id, channel, recipient and the statuses seen."""

    id: str
    channel: str
    outcome: str
    to: str
    sent_at: float
    seen: list[str] = field(default_factory=list)


@dataclass
class Fleet:
    """Every message the run sent up front, by (channel, outcome)."""

    messages: dict[tuple[str, str], Message]

    def get(self, channel: str, outcome: str) -> Message | None:
        """The message sent on `channel` to the `outcome` recipient, if any."""
        return self.messages.get((channel, outcome))

    def on(self, channel: str) -> list[Message]:
        """The messages sent on `channel`."""
        return [m for (c, _), m in self.messages.items() if c == channel]

    def ids(self, channel: str) -> list[str]:
        """The ids sent on `channel`."""
        return [m.id for m in self.on(channel)]


def send_fleet(gw: SuiteSession, text: str = "gatewatch contract suite") -> Fleet:
    """Send one message per channel and configured recipient; verify every send."""
    messages: dict[tuple[str, str], Message] = {}
    for channel in gw.target.channels:
        for outcome, number in gw.target.recipients.items():
            exchange = gw.client.send(channel, number, f"{text} ({outcome})")
            gw.verify(exchange, expect_send_accepted(exchange, gw.contract, dry_run=gw.target.dry_run_sends))
            message_id = sent_id(exchange, gw.contract)
            assert message_id is not None  # expect_send_accepted raised otherwise
            messages[(channel, outcome)] = Message(message_id, channel, outcome, number, time.monotonic())
    return Fleet(messages)


def follow(gw: SuiteSession, message: Message, deadline_s: float, *, settle_lookups: int = 3) -> str:
    """Look `message` up until its recipient's outcome (or the deadline); return the last status.

    Every answer is verified (the tracker judges each move). Once the outcome shows, a few
    more lookups check that it stays: a final status must never change.
    """
    target_status = gw.contract.recipients[message.outcome].final_status
    interval = POLL_INTERVAL_S
    deadline = message.sent_at + deadline_s
    status = ""
    for _ in range(10_000):  # bounded by the deadline, and by count
        exchange = gw.client.lookup(message.id, message.channel)
        gw.verify(exchange)
        body = exchange.response.json_or_none()
        status = str(body.get(gw.contract.fields.status)) if isinstance(body, dict) else ""
        if not message.seen or message.seen[-1] != status:
            message.seen.append(status)
        if status == target_status:
            break
        if time.monotonic() >= deadline:
            return status
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
        interval = min(interval * 1.5, MAX_POLL_INTERVAL_S)
    for _ in range(settle_lookups):
        gw.verify(gw.client.lookup(message.id, message.channel))
    return status
