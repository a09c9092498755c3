"""One run of the contract suite against one target: clients, verdicts and what was exercised.

Tests call `verify(exchange, *expected)`: it runs every registered check, the lifecycle
tracker and the test's own expectations, records which rules were exercised and which
were broken, and raises ContractViolation (an AssertionError, so Hypothesis shrinks it)
with the rule, its provenance, the request, the answer and a curl line.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gatewatch.checks import REGISTRY, LifecycleTracker, Violation, run_checks
from gatewatch.client import GatewayClient
from gatewatch.config import Keys, Target
from gatewatch.contract import Contract
from gatewatch.exchange import Exchange
from gatewatch.secrets import Secret
from gatewatch.suite.budget import shrink_budget

F = TypeVar("F", bound=Callable[..., Any])

MAX_KEPT_PER_RULE = 20
MAX_DEFERRED = 20
# Rules the tracker judges once a message has been seen twice.
_TRACKER_RULES = ("lifecycle_initial", "lifecycle_transition", "final_status_stable", "updated_at_monotonic")


class ContractViolation(AssertionError):
    """A test saw the target break one or more contract rules."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        body = "\n\n".join(v.describe() for v in violations)
        super().__init__(f"{len(violations)} contract violation(s):\n{body}")


@dataclass
class Tally:
    """What the run has seen so far: rules exercised and broken, requests, 500s."""

    exercised: Counter[str] = field(default_factory=Counter)
    violations: dict[str, list[Violation]] = field(default_factory=dict)
    violation_counts: Counter[str] = field(default_factory=Counter)
    skipped: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    server_errors: int = 0
    first_failure_s: float | None = None


class SuiteSession:
    """The target, its clients and the verdicts of one suite run."""

    def __init__(
        self,
        *,
        contract: Contract,
        target: Target,
        keys: Keys,
        base_url: str,
        allow_production: bool = False,
        seed: int = 0,
        shrink_budget_s: float = 3.0,
    ) -> None:
        self.contract = contract
        self.target = target
        self.keys = keys
        self.base_url = base_url
        self.allow_production = allow_production
        self.seed = seed
        self.shrink_budget_s = shrink_budget_s
        self.started = time.monotonic()
        self.tally = Tally()
        self.tracker = LifecycleTracker(contract)
        self.deferred: list[Violation] = []
        # Called with every verified exchange, its violations and the rules judged (reports).
        self.observers: list[Callable[[Exchange, list[Violation], set[str]], None]] = []
        self._lock = threading.Lock()
        self.client = self._client(keys.primary)
        self.second_client = self._client(keys.second) if keys.second else None
        self.anonymous = self._client(None)

    def _client(self, key: Secret | None) -> GatewayClient:
        client = GatewayClient.for_target(self.target, key, contract=self.contract, base_url=self.base_url)
        client.add_hook(self._count)
        return client

    def _count(self, exchange: Exchange) -> None:
        with self._lock:
            self.tally.requests += exchange.attempts
            self.tally.server_errors += exchange.server_errors

    def bounded(self, fn: F) -> F:
        """`fn` (a Hypothesis test body) with this run's shrink budget."""
        return shrink_budget(self.shrink_budget_s)(fn)

    @property
    def may_send(self) -> bool:
        """Whether this run may send messages (never to production without the opt-in)."""
        return not self.target.is_production or self.allow_production

    def close(self) -> None:
        """Close every client's connections."""
        for client in (self.client, self.second_client, self.anonymous):
            if client is not None:
                client.close()

    # -- verdicts -------------------------------------------------------------------------

    def verify(
        self,
        exchange: Exchange,
        *expected: Iterable[Violation] | None,
        focus: Collection[str] | None = None,
    ) -> Exchange:
        """Check `exchange` against every rule and the test's expectations; raise if broken.

        With `focus` (a Hypothesis test's own rules), only those raise at once, so
        Hypothesis shrinks the example for the rule the test is about; other violations
        are recorded and fail the test when it ends, without a costly shrink of their own.
        """
        found = run_checks(exchange, self.contract)
        found += self.tracker.observe(exchange)
        judged: set[str] = set()
        for more in expected:
            if more is not None:
                found += list(more)
                judged |= getattr(more, "rules", frozenset())
        self._exercise(exchange, found, judged)
        for observe in self.observers:
            observe(exchange, found, judged)
        if focus is not None:
            # A 500 that survived its retries is never shrunk: every attempt at a smaller
            # example would wait out the retry delays again.
            repeated_500 = exchange.status == 500
            later = [v for v in found if repeated_500 or v.rule not in focus]
            found = [v for v in found if not repeated_500 and v.rule in focus]
            if later:
                self._record(later)
                if len(self.deferred) < MAX_DEFERRED:
                    self.deferred.extend(later[: MAX_DEFERRED - len(self.deferred)])
        if found:
            self.fail(found)
        return exchange

    def record(self, rules: Iterable[str], violations: Iterable[Violation] = ()) -> None:
        """Count `rules` as exercised and keep `violations` (for checks made outside verify)."""
        found = list(violations)
        with self._lock:
            self.tally.exercised.update(rules)
        if found:
            self.fail(found)

    def fail(self, found: list[Violation]) -> None:
        """Record `found` and raise ContractViolation."""
        self._record(found)
        raise ContractViolation(found)

    def take_deferred(self) -> list[Violation]:
        """The violations put off during the current test (and forget them)."""
        found, self.deferred = self.deferred, []
        return found

    def _record(self, found: list[Violation]) -> None:
        with self._lock:
            for v in found:
                self.tally.exercised[v.rule] += 1
                self.tally.violation_counts[v.rule] += 1
                kept = self.tally.violations.setdefault(v.rule, [])
                # Bounded: a defect that breaks every answer must not grow memory per answer.
                if len(kept) < MAX_KEPT_PER_RULE:
                    kept.append(v)
            if self.tally.first_failure_s is None:
                self.tally.first_failure_s = time.monotonic() - self.started

    def skip_rules(self, rules: Iterable[str], reason: str) -> None:
        """Note that `rules` could not be exercised, and why."""
        with self._lock:
            for rule in rules:
                self.tally.skipped.setdefault(rule, reason)

    def _exercise(self, exchange: Exchange, found: list[Violation], judged: set[str]) -> None:
        rules = [c.rule for c in REGISTRY.values() if exchange.operation in c.operations]
        rules += judged
        rules += [v.rule for v in found]
        if exchange.operation in ("lookup", "batch") and exchange.status == 200:
            rules += _TRACKER_RULES
        with self._lock:
            self.tally.exercised.update(rules)
