"""One run of the contract suite against one target: clients, verdicts and what was exercised.

Tests call `verify(exchange, *expected)`: it runs every registered check, the lifecycle
tracker and the test's own expectations, records which rules were judged and which were
broken, and raises ContractViolation (an AssertionError, so Hypothesis shrinks it) with
the rule, its provenance, the request, the answer and a curl line.

A rule counts as exercised only when a check judged an answer it applies to (the
`rules` of the Findings), so the bookkeeping can fail: a run that never saw an ERROR
status never exercised error_has_reason, and the report says so.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hypothesis import settings

from gatewatch.checks import REGISTRY, Findings, LifecycleTracker, Violation, run_checks
from gatewatch.contract import Contract
from gatewatch.core.client import GatewayClient
from gatewatch.core.config import Keys, Target
from gatewatch.core.exchange import Exchange
from gatewatch.core.options.contract import DEFAULT_PROFILE
from gatewatch.core.options.webhooks import WebhookOptions
from gatewatch.core.ratelimit import Pacer
from gatewatch.core.secrets import Secret
from gatewatch.suite.budget import shrink_budget
from gatewatch.suite.profiles import PROFILES, Budget

F = TypeVar("F", bound=Callable[..., Any])

MAX_KEPT_PER_RULE = 20
MAX_DEFERRED = 20
MAX_UNJUDGED = 20
# The rule a 500 that survives every retry breaks, wherever it came (gateway-api.md, "500 retry").
REPEATED_500_RULE = "server_error_retried"

Observer = Callable[[Exchange, list[Violation], frozenset[str]], None]


class ContractViolation(AssertionError):
    """A test saw the target break one or more contract rules."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        body = "\n\n".join(v.describe() for v in violations)
        super().__init__(f"{len(violations)} contract violation(s):\n{body}")


@dataclass
class Tally:
    """What the run has seen so far: rules judged and broken, requests, 500s, 429s."""

    exercised: Counter[str] = field(default_factory=Counter)
    violations: dict[str, list[Violation]] = field(default_factory=dict)
    violation_counts: Counter[str] = field(default_factory=Counter)
    skipped: dict[str, str] = field(default_factory=dict)
    #: What a reported-only rule showed (webhook duplicates): listed, never a failure.
    notes: dict[str, list[str]] = field(default_factory=dict)
    requests: int = 0
    server_errors: int = 0
    #: Every 429 answer (waited out or not) and the seconds the client waited on them.
    throttled: int = 0
    throttle_wait_s: float = 0.0
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
        replace_webhook: bool = False,
        webhooks: WebhookOptions | None = None,
        seed: int = 0,
        budget: Budget | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.contract = contract
        self.target = target
        self.keys = keys
        self.base_url = base_url
        self.allow_production = allow_production
        self.replace_webhook = replace_webhook
        #: Where the delivery webhooks' receiver listens, and the URL the gateway is told to call.
        self.webhooks = webhooks or WebhookOptions()
        self.seed = seed
        self.budget = budget or Budget(profile=PROFILES[DEFAULT_PROFILE])
        self.shrink_budget_s = self.budget.profile.shrink_budget_s
        self.started = time.monotonic()
        self.tally = Tally()
        self.tracker = LifecycleTracker(contract)
        self.deferred: list[Violation] = []
        # 500s that survived their retries on calls no verify has judged (yet): a repeated
        # 500 fails the test that made it even when the test meant the call as a side step.
        self._unjudged: list[Exchange] = []
        # Called with every verified exchange, its violations and the rules judged (reports).
        self.observers: list[Observer] = []
        self._lock = threading.Lock()
        # One pacer for every client of the run: the gateway counts per key, and this
        # machine's keys share it, so the conservative count is the total.
        self.pacer = pacer or Pacer(target.rate_limit, fraction=contract.rate_limits.pace_fraction)
        self.client = self._client(keys.primary)
        self.second_client = self._client(keys.second) if keys.second else None
        self.anonymous = self._client(None)

    def _client(self, key: Secret | None, **options: Any) -> GatewayClient:
        client = GatewayClient.for_target(
            self.target, key, contract=self.contract, base_url=self.base_url, pacer=self.pacer, **options
        )
        client.add_hook(self._count)
        return client

    def burst_client(self, connections: int) -> GatewayClient:
        """A client of the primary key with a pool of `connections`, paced and counted with the run's.

        For the rate-limit burst's concurrent requests, so they do not crowd the run's own pool.
        """
        return self._client(self.keys.primary, pool_size=connections)

    def _count(self, exchange: Exchange) -> None:
        with self._lock:
            self.tally.requests += exchange.attempts
            self.tally.server_errors += exchange.server_errors
            self.tally.throttled += len(exchange.throttled)
            self.tally.throttle_wait_s += sum(t.waited_s for t in exchange.throttled)
            repeated_500 = exchange.retried and exchange.status == self.contract.codes.server_error
            if repeated_500 and len(self._unjudged) < MAX_UNJUDGED:
                self._unjudged.append(exchange)

    # -- what the run may do ------------------------------------------------------------

    @property
    def may_send(self) -> bool:
        """Whether this run may send messages (never to production without the opt-in)."""
        return not self.target.is_production or self.allow_production

    @property
    def may_change_webhook(self) -> bool:
        """Whether this run may write the account's one webhook registration.

        A production account has one, shared by every channel and whatever else uses it:
        changed only with both opt-ins (and restored afterwards).
        """
        return not self.target.is_production or (self.allow_production and self.replace_webhook)

    @property
    def delivers(self) -> bool:
        """Whether the messages this run sends are really delivered (not dry runs), so can be found."""
        return self.may_send and not self.target.dry_run_sends

    @property
    def rate_limited(self) -> bool:
        """Whether a rate limit is configured for the target (the harness paces under it)."""
        return not self.target.rate_limit.unlimited

    def bounded(self, fn: F) -> F:
        """`fn` (a Hypothesis test body) with this run's shrink budget."""
        return shrink_budget(self.shrink_budget_s)(fn)

    def generated(self, cost: float = 1.0) -> settings:
        """Hypothesis settings for a property test whose examples make `cost` requests each."""
        return settings(max_examples=self.budget.examples(cost))

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
        with self._lock:
            self._unjudged = [seen for seen in self._unjudged if seen is not exchange]
        found = run_checks(exchange, self.contract)
        found += self.tracker.observe(exchange)
        for more in expected:
            if more is not None:
                found += more
        self._exercise(found.rules)
        violations = list(found)
        for observe in self.observers:
            observe(exchange, violations, found.rules)
        if focus is not None:
            # A 500 that survived its retries is never shrunk: every attempt at a smaller
            # example would wait out the retry delays again.
            repeated_500 = exchange.status == self.contract.codes.server_error
            later = [v for v in violations if repeated_500 or v.rule not in focus]
            violations = [v for v in violations if not repeated_500 and v.rule in focus]
            if later:
                self._record(later)
                if len(self.deferred) < MAX_DEFERRED:
                    self.deferred.extend(later[: MAX_DEFERRED - len(self.deferred)])
        if violations:
            self.fail(violations)
        return exchange

    def judge(self, found: Findings) -> None:
        """Count the rules `found` judged and fail on its violations (checks made outside verify)."""
        self._exercise(found.rules)
        if found:
            self.fail(list(found))

    def fail(self, found: list[Violation]) -> None:
        """Record `found` and raise ContractViolation."""
        self._record(found)
        raise ContractViolation(found)

    def take_deferred(self) -> list[Violation]:
        """The violations put off during the current test (and forget them)."""
        found, self.deferred = self.deferred, []
        return found

    def take_unjudged(self) -> list[Violation]:
        """The repeated 500s of calls no verify judged since the last time, judged now (and recorded)."""
        with self._lock:
            unjudged, self._unjudged = self._unjudged, []
        rule = [chk.name for chk in REGISTRY.values() if chk.rule == REPEATED_500_RULE]
        found = Findings()
        for exchange in unjudged:
            found += run_checks(exchange, self.contract, only=rule)
        self._exercise(found.rules)
        violations = list(found)
        if violations:
            self._record(violations)
        return violations

    def _record(self, found: list[Violation]) -> None:
        with self._lock:
            for v in found:
                self.tally.violation_counts[v.rule] += 1
                kept = self.tally.violations.setdefault(v.rule, [])
                # Bounded: a defect that breaks every answer must not grow memory per answer.
                if len(kept) < MAX_KEPT_PER_RULE:
                    kept.append(v)
            if self.tally.first_failure_s is None:
                self.tally.first_failure_s = time.monotonic() - self.started

    def note(self, rule: str, message: str) -> None:
        """Report what a reported-only rule showed (kept bounded; it never fails the run)."""
        with self._lock:
            kept = self.tally.notes.setdefault(rule, [])
            if len(kept) < MAX_KEPT_PER_RULE:
                kept.append(message)

    def skip_rules(self, rules: Iterable[str], reason: str) -> None:
        """Note that `rules` could not be exercised, and why (the first reason given wins)."""
        with self._lock:
            for rule in rules:
                self.tally.skipped.setdefault(rule, reason)

    def _exercise(self, judged: Iterable[str]) -> None:
        with self._lock:
            self.tally.exercised.update(judged)
