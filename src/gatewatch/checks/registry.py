"""The check registry: each rule of the contract is a small function registered here.

A check takes an Exchange and the Contract and yields a message per problem it finds. Its
rule id names an entry of contracts/rules.yaml, which says whether the rule is documented
or pinned; the registry refuses a rule id the contract does not know.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from gatewatch.contract import Contract
from gatewatch.exchange import Exchange, Operation

CheckFn = Callable[[Exchange, Contract], Iterator[str]]
ALL_OPERATIONS: frozenset[Operation] = frozenset({"send", "lookup", "batch"})


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: which, why, and the call that showed it."""

    rule: str
    provenance: str
    message: str
    exchange: Exchange | None = None
    check: str = ""

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
    """The violations an expectation found, and the rules it judged (found or not)."""

    def __init__(self, rules: Iterable[str], violations: Iterable[Violation] = ()) -> None:
        super().__init__(violations)
        self.rules = frozenset(rules)

    def __add__(self, other: object) -> Findings:  # type: ignore[override]
        if not isinstance(other, list):
            return NotImplemented
        return Findings(self.rules | getattr(other, "rules", frozenset()), [*self, *other])


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
    """A Violation of `rule` with its provenance read from the contract."""
    return Violation(rule, contract.rule(rule).provenance, message, exchange, check)


def run_checks(
    exchange: Exchange, contract: Contract, *, only: Iterable[str] | None = None
) -> list[Violation]:
    """Every registered check that applies to `exchange`, run; the problems found."""
    names = set(only) if only is not None else None
    found: list[Violation] = []
    for chk in REGISTRY.values():
        if exchange.operation not in chk.operations or (names is not None and chk.name not in names):
            continue
        found.extend(
            violation(contract, chk.rule, message, exchange, chk.name)
            for message in chk.fn(exchange, contract)
        )
    return found
