"""The kinds of request the load test makes, their Locust names, and what each must get back.

A kind is one row in Locust's statistics and one set of gates: every id of that kind is
grouped under one name (e.g. ``/partner-gateway/v1/messages/status/[id] (known id)``).
A request of a kind that was throttled (429) is a row of its own
(``... (known id, throttled)``): neither a failure nor a judged answer.
Paths come from the contract; the expected answers are the contract suite's own checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gatewatch.checks import (
    Violation,
    expect_found,
    expect_other_channel,
    expect_status,
    expect_unknown_id,
)
from gatewatch.contract import Contract
from gatewatch.contract.operations import Operation
from gatewatch.core.errors import ConfigError
from gatewatch.core.exchange import Exchange
from gatewatch.core.options import Surface
from gatewatch.core.options.load import LoadOptions
from gatewatch.core.records.load_summary import ALL_KINDS

KNOWN = "known"
OTHER_CHANNEL = "other_channel"
UNKNOWN = "unknown"
BATCH = "batch"
KINDS: tuple[str, ...] = (KNOWN, OTHER_CHANNEL, UNKNOWN, BATCH)
# The aggregate over every kind, as a gate key and a report row: the summary's key for it.
ALL = ALL_KINDS

Expectation = Callable[[Exchange, Contract], list[Violation]]


def _expect_batch(exchange: Exchange, contract: Contract) -> list[Violation]:
    """A batch of known and unknown ids within the limits answers 200 (its entries: batch_entries)."""
    return expect_status(
        exchange, contract, "batch_entries", {contract.codes.ok}, "a batch of known and unknown ids"
    )


@dataclass(frozen=True, slots=True)
class RequestKind:
    """One kind of request: its key, label, operation and the check of its expected answer."""

    key: str
    label: str
    operation: Operation
    expect: Expectation


_KINDS: Mapping[str, RequestKind] = {
    KNOWN: RequestKind(KNOWN, "known id", Operation.LOOKUP, expect_found),
    OTHER_CHANNEL: RequestKind(OTHER_CHANNEL, "other channel", Operation.LOOKUP, expect_other_channel),
    UNKNOWN: RequestKind(UNKNOWN, "unknown id", Operation.LOOKUP, expect_unknown_id),
    BATCH: RequestKind(BATCH, "batch", Operation.BATCH, _expect_batch),
}


def kind(key: str) -> RequestKind:
    """The kind called `key`."""
    return _KINDS[key]


def _templated_path(contract: Contract, key: str) -> str:
    path = contract.batch_path if kind(key).operation == Operation.BATCH else contract.lookup_path
    # Whatever the template variable is called, the id part reads [id].
    return path.split("{", 1)[0] + "[id]" if "{" in path else path


def request_name(contract: Contract, key: str) -> str:
    """The name Locust groups every request of kind `key` under (one statistics row)."""
    return f"{_templated_path(contract, key)} ({kind(key).label})"


def throttled_name(contract: Contract, key: str) -> str:
    """The name of kind `key`'s throttled requests: a statistics row of their own."""
    return f"{_templated_path(contract, key)} ({kind(key).label}, throttled)"


@dataclass(frozen=True, slots=True)
class Mix:
    """The weights of the request kinds: how often each is picked, relative to the others."""

    weights: Mapping[str, int]

    @property
    def active(self) -> tuple[str, ...]:
        """The kinds with a positive weight, in the canonical order."""
        return tuple(k for k in KINDS if self.weights.get(k, 0) > 0)

    def as_text(self) -> str:
        """The mix in the form `parse_mix` reads."""
        return ",".join(f"{k}={self.weights[k]}" for k in KINDS if k in self.weights)


# A mix read by a Locust process comes from the plugin's option.
MIX_FLAG = LoadOptions.flag_of("mix", Surface.LOCUST)


def parse_mix(text: str, *, key: str = MIX_FLAG) -> Mix:
    """Parse `known=70,other_channel=10,...`; kinds left out get weight 0."""
    weights: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",")):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in KINDS:
            raise ConfigError(
                f"expected KIND=WEIGHT items with KIND one of {list(KINDS)}, got {part!r}", key=key
            )
        try:
            weight = int(value)
        except ValueError:
            raise ConfigError(f"weight of {name} must be a whole number, got {value!r}", key=key) from None
        if weight < 0 or name in weights:
            raise ConfigError(f"{name} must appear once with a weight >= 0", key=key)
        weights[name] = weight
    mix = Mix(weights)
    if not mix.active:
        raise ConfigError(f"at least one kind needs a positive weight, got {text!r}", key=key)
    return mix
