"""The contract suite's summary.json, as `gatewatch.suite.summary` writes it and the report reads it.

Fields the page can do without are `X | None` (or have a default): a reader shows `-`
for them when an older or damaged file lacks them, and names the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The format of summary.json; a reader refuses a newer one. Files without it are version 1.
SUITE_SUMMARY_VERSION = 1
TOOL = "gatewatch"

# A rule's status, and the run's result (a session stopped by Ctrl-C or SIGTERM: interrupted).
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
INTERRUPTED = "interrupted"
#: The reason a rule no check judged in the run is skipped (the report shows it as not exercised).
NOT_EXERCISED_REASON = "not exercised by this run"


@dataclass(frozen=True, slots=True, kw_only=True)
class SuiteTarget:
    """The target the suite ran against."""

    name: str | None
    kind: str | None
    base_url: str | None
    rate_limit: str | None
    dry_run_sends: bool | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Throttled:
    """429s the suite saw, and the seconds it waited them out."""

    count: int | None
    waited_s: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleVerdict:
    """One rule's line of the report: its status, why when skipped, and what showed it."""

    provenance: str
    summary: str
    status: str
    reason: str | None
    checks: int = 0
    violations: int = 0
    examples: tuple[str, ...] = ()
    reproduce: tuple[str, ...] = ()
    #: What a reported-only rule showed (a passed rule may carry some: never a failure).
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class FailedTestRecord:
    """A failed test: the rules it broke, its first message line, and the command that replays it."""

    test: str
    rules: tuple[str, ...] = ()
    message: str = ""
    reproduce: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SuiteSummary:
    """summary.json: the verdict, the target and dialect, every rule and every failed test."""

    version: int = SUITE_SUMMARY_VERSION
    tool: str = TOOL
    target: SuiteTarget | None
    dialect: str | None
    contracts: str | None
    profile: str | None
    budget: str | None
    seed: int | None
    replay: str | None
    started: str | None  # RFC 3339 UTC
    duration_s: float | None
    exit_status: int | None
    result: str | None  # PASSED, FAILED or INTERRUPTED
    requests: int | None
    server_errors: int | None
    throttled: Throttled | None
    first_failure_s: float | None
    tests: dict[str, int] = field(default_factory=dict)
    rules: dict[str, RuleVerdict] = field(default_factory=dict)
    failures: tuple[FailedTestRecord, ...] = ()
