"""What several defects share: roles read off the contract, the other dialect, bounded state."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from gatewatch.contract import Contract, Recipient, dialect_names, resolve_contract
from gatewatch.core.errors import ConfigError

# Per-message counters are dropped oldest first beyond this, like the store's messages.
_MAX_TRACKED = 100_000


def delivered_status(contract: Contract) -> str:
    """The status an ordinary message ends in (the default recipient's last step)."""
    return contract.recipients[contract.default_outcome].final_status


def failure_statuses(contract: Contract) -> frozenset[str]:
    """Final statuses other than the delivered one."""
    return contract.final_statuses - {delivered_status(contract)}


def expiry_statuses(contract: Contract) -> frozenset[str]:
    """Failures that carry no reason: the carrier simply gave up."""
    return failure_statuses(contract) - contract.needs_reason


def unsettled_recipient(contract: Contract) -> Recipient:
    """The recipient that never reaches a final status (the gateway has no news of it)."""
    for recipient in contract.recipients.values():
        if not contract.is_final(recipient.final_status):
            return recipient
    # No such recipient in this contract: stay on the first initial status that is not final.
    status = sorted(contract.initial_statuses - contract.final_statuses)[0]
    return Recipient("unsettled", "", (status,))


def other_dialect(contract: Contract, differs: Callable[[Contract], object]) -> Contract | None:
    """The first shipped dialect where `differs` gives another value than for `contract`.

    A defect that answers "what the other dialect says" (its batch object, its error body)
    takes that dialect's names from its contract, so no name is spelled here.
    """
    mine = differs(contract)
    for name in dialect_names():
        try:
            other = resolve_contract(name)
        except ConfigError:
            continue
        if differs(other) != mine:
            return other
    return None


def array_batch(contract: Contract) -> bool:
    """The batch answer is an array of entries (the vendor's shape)."""
    return contract.batch.array


def object_batch(contract: Contract) -> bool:
    """The batch answer is an object of found and not-found lists (the strict shape)."""
    return not contract.batch.array


def rate_limited(contract: Contract) -> bool:
    """The dialect has rate limits."""
    return contract.rate_limits.enabled


class Counts:
    """How often something happened per message id, bounded in size."""

    def __init__(self, limit: int = _MAX_TRACKED) -> None:
        self._counts: OrderedDict[str, int] = OrderedDict()
        self._limit = limit

    def bump(self, key: str) -> int:
        """Count one more for `key` and return its new count."""
        count = self._counts.pop(key, 0) + 1
        self._counts[key] = count
        if len(self._counts) > self._limit:
            self._counts.popitem(last=False)
        return count

    def get(self, key: str) -> int:
        """The count for `key` so far."""
        return self._counts.get(key, 0)

    def set(self, key: str, value: int) -> None:
        """Set the count for `key`."""
        self._counts[key] = value
        if len(self._counts) > self._limit:
            self._counts.popitem(last=False)
