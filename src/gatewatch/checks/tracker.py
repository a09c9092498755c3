"""The lifecycle rules across calls: allowed moves, stable final statuses, monotonic updatedAt.

A tracker remembers the last status seen of each message (bounded: the oldest are
forgotten beyond `max_messages`) and reports a violation when a later answer breaks the
lifecycle.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from gatewatch.checks.registry import Findings, findings, violation
from gatewatch.checks.response import parse_updated_at, status_bodies
from gatewatch.contract import Contract
from gatewatch.contract.operations import Operation
from gatewatch.core.exchange import Exchange


@dataclass(slots=True)
class Seen:
    """The last good observation of one message by one kind of call."""

    status: str
    updated_at: datetime | None
    history: list[str]


class LifecycleTracker:
    """Follows each message's observed statuses and checks them against the lifecycle.

    Single lookups and batch entries are followed apart: each kind must keep the
    lifecycle on its own (a regression there is a lifecycle rule), and a batch entry must
    also be reachable from the last single lookup (batch_agrees_with_single). So a batch
    that runs behind is blamed on the batch, and a single lookup is never judged
    against a batch answer.
    """

    def __init__(self, contract: Contract, max_messages: int = 100_000) -> None:
        self.contract = contract
        self.max_messages = max_messages
        self._seen: OrderedDict[tuple[str, str], dict[Operation, Seen]] = OrderedDict()

    def history(self, message_id: str, channel: str) -> list[str]:
        """The distinct statuses single lookups saw for a message, in order."""
        seen = self._seen.get((message_id, channel), {}).get(Operation.LOOKUP)
        return list(seen.history) if seen else []

    def last(self, message_id: str, channel: str) -> str | None:
        """The last status a single lookup saw for a message, or None."""
        seen = self._seen.get((message_id, channel), {}).get(Operation.LOOKUP)
        return seen.status if seen else None

    def observe(self, exchange: Exchange) -> Findings:
        """Record every status body in `exchange`; the lifecycle rules judged, and those it breaks."""
        names = self.contract.fields
        found = Findings()
        for body in status_bodies(exchange, self.contract):
            message_id, status = body.get(names.id), body.get(names.status)
            # The channel field is optional in some dialects: the one asked for scopes the message.
            channel = body.get(names.channel, exchange.channel)
            if not (isinstance(message_id, str) and isinstance(channel, str)):
                continue
            if not isinstance(status, str) or status not in self.contract.statuses:
                continue  # status_in_enum reports it
            found += self._observe_one(exchange, message_id, channel, status, body.get(names.updated_at))
        return findings(self.contract, found.rules, found)

    def _observe_one(
        self, exchange: Exchange, message_id: str, channel: str, status: str, updated: object
    ) -> Findings:
        contract = self.contract
        key = (message_id, channel)
        source = Operation.BATCH if exchange.operation == Operation.BATCH else Operation.LOOKUP
        updated_at = parse_updated_at(updated)
        slots = self._seen.get(key)
        if slots is None:
            slots = {}
            self._remember(key, slots)
        else:
            self._seen.move_to_end(key)
        found = Findings(["lifecycle_initial"] if not slots else [])
        if not slots and not any(contract.reachable(s, status) for s in contract.initial_statuses):
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
        before = slots.get(source)
        if before is not None:
            found += self._judge(exchange, message_id, channel, before, status, updated_at, source)
        single = slots.get(Operation.LOOKUP)
        if source == Operation.BATCH and single is not None:
            found.judged("batch_agrees_with_single")
        if source == Operation.BATCH and single is not None and not contract.reachable(single.status, status):
            found.append(
                violation(
                    contract,
                    "batch_agrees_with_single",
                    f"{message_id!r} on {channel}: the batch says {status}, not reachable from "
                    f"{single.status} seen by a single lookup before",
                    exchange,
                    "lifecycle",
                )
            )
        if before is None:
            slots[source] = Seen(status, updated_at, [status])
        elif not found:
            # A broken observation is not taken as the new reference: later answers are
            # judged against the last good one, so one defect is reported once.
            if status != before.status:
                before.history.append(status)
            before.status, before.updated_at = status, updated_at
        return found

    def _judge(
        self,
        exchange: Exchange,
        message_id: str,
        channel: str,
        before: Seen,
        status: str,
        updated_at: datetime | None,
        source: Operation,
    ) -> Findings:
        contract = self.contract
        rule = "final_status_stable" if contract.is_final(before.status) else "lifecycle_transition"
        found = Findings([rule])
        if updated_at is not None and before.updated_at is not None:
            found.judged("updated_at_monotonic")
        if not contract.reachable(before.status, status):
            path = " -> ".join([*before.history, status])
            found.append(
                violation(
                    contract,
                    rule,
                    f"{message_id!r} on {channel} ({source}): {before.status} -> {status} is not "
                    f"allowed ({path})",
                    exchange,
                    "lifecycle",
                )
            )
        if updated_at is not None and before.updated_at is not None and updated_at < before.updated_at:
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
        return found

    def _remember(self, key: tuple[str, str], slots: dict[Operation, Seen]) -> None:
        self._seen[key] = slots
        while len(self._seen) > self.max_messages:  # bounded by max_messages
            self._seen.popitem(last=False)
