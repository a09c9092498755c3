"""The lifecycle rules across calls: allowed moves, stable final statuses, monotonic updatedAt.

A tracker remembers the last status seen of each message (bounded: the oldest are
forgotten beyond `max_messages`) and reports a violation when a later answer breaks the
lifecycle. A regression between a batch answer and a single lookup is reported as the
batch rule, since the single lookup is the reference.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from gatewatch.checks.registry import Violation, violation
from gatewatch.checks.response import parse_updated_at, status_bodies
from gatewatch.contract import Contract
from gatewatch.exchange import Exchange


@dataclass(slots=True)
class Seen:
    """The last observation of one message."""

    status: str
    updated_at: datetime | None
    from_batch: bool
    history: list[str]


class LifecycleTracker:
    """Follows each message's observed statuses and checks them against the lifecycle."""

    def __init__(self, contract: Contract, max_messages: int = 100_000) -> None:
        self.contract = contract
        self.max_messages = max_messages
        self._seen: OrderedDict[tuple[str, str], Seen] = OrderedDict()

    def history(self, message_id: str, channel: str) -> list[str]:
        """The distinct statuses seen for a message, in order."""
        seen = self._seen.get((message_id, channel))
        return list(seen.history) if seen else []

    def last(self, message_id: str, channel: str) -> str | None:
        """The last status seen for a message, or None."""
        seen = self._seen.get((message_id, channel))
        return seen.status if seen else None

    def observe(self, exchange: Exchange) -> list[Violation]:
        """Record every status body in `exchange`; the lifecycle rules it breaks."""
        found: list[Violation] = []
        for body in status_bodies(exchange):
            message_id, channel = body.get("customerMessageId"), body.get("channel")
            status = body.get("deliveryStato")
            if not (isinstance(message_id, str) and isinstance(channel, str)):
                continue
            if not isinstance(status, str) or status not in self.contract.statuses:
                continue  # status_in_enum reports it
            found += self._observe_one(exchange, message_id, channel, status, body.get("updatedAt"))
        return found

    def _observe_one(
        self, exchange: Exchange, message_id: str, channel: str, status: str, updated: object
    ) -> list[Violation]:
        contract = self.contract
        key = (message_id, channel)
        from_batch = exchange.operation == "batch"
        updated_at = parse_updated_at(updated)
        before = self._seen.get(key)
        found: list[Violation] = []
        if before is None:
            if not any(contract.reachable(s, status) for s in contract.initial_statuses):
                found.append(
                    violation(
                        contract,
                        "lifecycle_initial",
                        f"{message_id!r} first seen as {status}, not reachable from "
                        f"{sorted(contract.initial_statuses)}",
                        exchange,
                        "lifecycle",
                    )
                )
            self._remember(key, Seen(status, updated_at, from_batch, [status]))
            return found
        self._seen.move_to_end(key)
        path = " -> ".join([*before.history, status])
        if not contract.reachable(before.status, status):
            if before.from_batch or from_batch:
                rule = "batch_agrees_with_single"
            elif contract.is_final(before.status):
                rule = "final_status_stable"
            else:
                rule = "lifecycle_transition"
            found.append(
                violation(
                    contract,
                    rule,
                    f"{message_id!r} on {channel}: {before.status} -> {status} is not allowed ({path})",
                    exchange,
                    "lifecycle",
                )
            )
        if (
            updated_at is not None
            and before.updated_at is not None
            and updated_at < before.updated_at
            and not (before.from_batch or from_batch)
        ):
            found.append(
                violation(
                    contract,
                    "updated_at_monotonic",
                    f"{message_id!r}: updatedAt went back from {before.updated_at.isoformat()} "
                    f"to {updated_at.isoformat()}",
                    exchange,
                    "lifecycle",
                )
            )
        if status != before.status:
            before.history.append(status)
        if not found:
            # A broken observation is not taken as the new reference: later answers are
            # judged against the last good one, so one defect is reported once.
            before.status, before.updated_at, before.from_batch = status, updated_at, from_batch
        return found

    def _remember(self, key: tuple[str, str], seen: Seen) -> None:
        self._seen[key] = seen
        while len(self._seen) > self.max_messages:  # bounded by max_messages
            self._seen.popitem(last=False)
