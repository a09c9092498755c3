"""The check registry: each rule of the contract is a small function registered here.

A check takes an Exchange and the Contract and returns None when the rule does not apply
to that answer (nothing was judged), or the list of problems it found (empty: judged and
passed). Its rule id names an entry of contracts/rules.yaml, which says where the rule
comes from and whether it is switched on; a rule switched off is neither run nor counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from gatewatch.contract import Contract
from gatewatch.contract.operations import CONTRACT_OPERATIONS, Operation
from gatewatch.core.bounds import clip
from gatewatch.core.exchange import Exchange

CheckFn = Callable[[Exchange, Contract], "list[str] | None"]
ALL_OPERATIONS: frozenset[Operation] = frozenset(CONTRACT_OPERATIONS)


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: which, why, and the call that showed it."""

    rule: str
    provenance: str
    message: str
    exchange: Exchange | None = None
    check: str = ""

    def __post_init__(self) -> None:
        # A message may quote what the target sent (a 2 MB description): every report
        # and console line that shows it stays bounded.
        object.__setattr__(self, "message", clip(self.message))

    def headline(self) -> str:
        """One line: `[rule (provenance)] message`."""
        return f"[{self.rule} ({self.provenance})] {self.message}"

    def describe(self) -> str:
        """The headline, then the request, the answer and a curl line (redacted)."""
        if self.exchange is None:
            return self.headline()
        return f"{self.headline()}\n{self.exchange.describe()}"


@dataclass(frozen=True, slots=True)
class Check:
    """A registered check: its name, the rule it reports under and the calls it applies to."""

    name: str
    rule: str
    operations: frozenset[Operation]
    fn: CheckFn


class Findings(list[Violation]):
    """The violations found, and the rules actually judged (found broken or not).

    A rule counts as exercised only when a check judged an answer it applies to, so the
    bookkeeping can fail: a run that never saw an ERROR never exercised error_has_reason.
    """

    def __init__(self, rules: Iterable[str] = (), violations: Iterable[Violation] = ()) -> None:
        found = list(violations)
        super().__init__(found)
        self.rules = frozenset(rules) | {v.rule for v in found}

    def __add__(self, other: object) -> Findings:  # type: ignore[override]
        if not isinstance(other, list):
            return NotImplemented
        return Findings(self.rules | getattr(other, "rules", frozenset()), [*self, *other])

    def __iadd__(self, other: Iterable[Violation]) -> Findings:  # type: ignore[override,misc]
        more = list(other)
        self.extend(more)
        self.rules = self.rules | getattr(other, "rules", frozenset()) | {v.rule for v in more}
        return self

    def judged(self, rule: str) -> None:
        """Note that `rule` was judged (and passed, unless a violation says otherwise)."""
        self.rules = self.rules | {rule}


def findings(contract: Contract, rules: Iterable[str], violations: Iterable[Violation] = ()) -> Findings:
    """Findings limited to the rules switched on in `contract`."""
    return Findings(
        (r for r in rules if contract.enabled(r)), (v for v in violations if contract.enabled(v.rule))
    )


REGISTRY: dict[str, Check] = {}


def check(rule: str, *, on: Iterable[Operation] = ALL_OPERATIONS) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated function as the check of `rule` for the operations `on`."""

    def register(fn: CheckFn) -> CheckFn:
        if fn.__name__ in REGISTRY:
            raise ValueError(f"check {fn.__name__} registered twice")
        REGISTRY[fn.__name__] = Check(fn.__name__, rule, frozenset(on), fn)
        return fn

    return register


def violation(
    contract: Contract, rule: str, message: str, exchange: Exchange | None = None, check: str = ""
) -> Violation:
    """A Violation of `rule` with its provenance (`vendor: <page>` for vendor rules)."""
    return Violation(rule, contract.rule(rule).origin, message, exchange, check)


def run_checks(exchange: Exchange, contract: Contract, *, only: Iterable[str] | None = None) -> Findings:
    """Every registered check that applies to `exchange`, run; the problems found and rules judged."""
    names = set(only) if only is not None else None
    found = Findings()
    for chk in REGISTRY.values():
        if exchange.operation not in chk.operations or (names is not None and chk.name not in names):
            continue
        if not contract.enabled(chk.rule):
            continue
        messages = chk.fn(exchange, contract)
        if messages is None:
            continue
        found.judged(chk.rule)
        found.extend(violation(contract, chk.rule, message, exchange, chk.name) for message in messages)
    return found
