"""The suite's own reports: summary.json, the terminal rule table, Allure environment.

JUnit XML and the Allure results come from pytest and allure-pytest; this adds what they
do not know: rules, their provenance (`documented`, `pinned`, `vendor: <page>`), rules
switched off in the contract or by --skip-rule (skipped, with the reason), requests
made, 500s and 429s seen and how to replay each failure. Everything written here comes
from Exchanges and Violations, which are already redacted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gatewatch.core import interrupts
from gatewatch.core.options.contract import ContractOptions
from gatewatch.core.records import encode
from gatewatch.core.records.suite_summary import (
    FAILED,
    INTERRUPTED,
    NOT_EXERCISED_REASON,
    PASSED,
    SKIPPED,
    FailedTestRecord,
    RuleVerdict,
    SuiteSummary,
    SuiteTarget,
    Throttled,
)
from gatewatch.core.reports_layout import ReportsLayout
from gatewatch.suite.failures import contract_violation
from gatewatch.suite.session import SuiteSession

EXAMPLES_PER_RULE = 3


@dataclass
class _Failure:
    test: str
    rules: list[str]
    message: str


@dataclass
class SuiteReporter:
    """Collects test outcomes of a suite run and writes the summary at the end."""

    reports_dir: Path
    profile: str
    started: float
    session: SuiteSession | None = None
    #: The run's options as given: a replay line repeats them (`ContractOptions.replay_line`).
    replay_options: ContractOptions = field(default_factory=ContractOptions)
    tests: dict[str, int] = field(default_factory=lambda: {PASSED: 0, FAILED: 0, SKIPPED: 0})
    failures: list[_Failure] = field(default_factory=list)
    skip_reasons: dict[str, str] = field(default_factory=dict)

    def attach(self, session: SuiteSession) -> None:
        """The suite session whose tally this reporter summarises."""
        self.session = session

    def on_report(
        self,
        item: pytest.Item,
        report: pytest.TestReport,
        rules: tuple[str, ...],
        error: BaseException | None = None,
    ) -> None:
        """Count one test phase's outcome; remember failures and skip reasons."""
        if report.when != "call" and not (report.failed or report.skipped):
            return
        if report.skipped:
            self.tests[SKIPPED] += 1
            reason = _skip_reason(report)
            for rule in rules:
                self.skip_reasons.setdefault(rule, reason)
            return
        if report.failed:
            self.tests[FAILED] += 1
            crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
            last = report.longreprtext.splitlines()[-1:] or [""]
            message = str(getattr(crash, "message", last[0]))
            violated = rules
            found = contract_violation(error)
            if found is not None:
                violated = tuple(sorted({v.rule for v in found.violations}))
            self.failures.append(_Failure(item.nodeid, list(violated), message.splitlines()[0][:300]))
            return
        self.tests[PASSED] += 1

    # -- output -----------------------------------------------------------------------------

    def rules(self) -> dict[str, RuleVerdict]:
        """Each contract rule: passed, failed or skipped (with the reason), with examples."""
        assert self.session is not None
        gw = self.session
        tally = gw.tally
        out: dict[str, RuleVerdict] = {}
        for rule_id, rule in gw.contract.rules.items():
            violations = tally.violations.get(rule_id, [])
            if not rule.enabled:
                status, reason = SKIPPED, rule.reason or "switched off in the contract"
            elif violations:
                status, reason = FAILED, None
            elif tally.exercised.get(rule_id):
                status, reason = PASSED, None
            else:
                status = SKIPPED
                reason = tally.skipped.get(rule_id) or self.skip_reasons.get(rule_id) or NOT_EXERCISED_REASON
            seen: list[str] = []
            reproduce: list[str] = []
            for v in violations:
                if v.message not in seen and len(seen) < EXAMPLES_PER_RULE:
                    seen.append(v.message)
                    if v.exchange is not None:
                        reproduce.append(v.exchange.request.curl())
            out[rule_id] = RuleVerdict(
                provenance=rule.origin,
                summary=rule.summary,
                status=status,
                reason=reason,
                checks=tally.exercised.get(rule_id, 0),
                violations=tally.violation_counts.get(rule_id, len(violations)),
                examples=tuple(seen),
                reproduce=tuple(reproduce),
                notes=tuple(tally.notes.get(rule_id, ())[:EXAMPLES_PER_RULE]),
            )
        return out

    def junit_properties(self) -> list[tuple[str, str]]:
        """The rule table as JUnit test-suite properties: `rule:<id>` -> `passed [documented]`."""
        found = []
        for rule_id, r in self.rules().items():
            value = f"{r.status} [{r.provenance}]"
            if r.reason:
                value += f": {r.reason}"
            found.append((f"rule:{rule_id}", value))
        return found

    def replay_command(self, seed: int, test: str | None = None) -> str:
        """The one-line command that replays this run (or one test of it)."""
        keyword = None
        if test:
            name, _, param = test.rsplit("::", 1)[-1].partition("[")
            keyword = f"{name} and {param.rstrip(']')}" if param else name
        return self.replay_options.replay_line(seed=seed, keyword=keyword)

    def summary(self, exitstatus: int, *, seed: int) -> SuiteSummary:
        """The run as summary.json records it."""
        assert self.session is not None
        gw = self.session
        rules = self.rules()
        return SuiteSummary(
            target=SuiteTarget(
                name=gw.target.name,
                kind=gw.target.kind,
                base_url=gw.base_url,
                rate_limit=None if gw.target.rate_limit.unlimited else str(gw.target.rate_limit),
                dry_run_sends=gw.target.dry_run_sends,
            ),
            dialect=gw.contract.dialect,
            contracts=str(gw.contract.root),
            profile=self.profile,
            budget=gw.budget.describe(),
            seed=seed,
            replay=self.replay_command(seed),
            started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            duration_s=round(time.time() - self.started, 3),
            exit_status=int(exitstatus),
            result=_result(exitstatus, rules),
            requests=gw.tally.requests,
            server_errors=gw.tally.server_errors,
            throttled=Throttled(count=gw.tally.throttled, waited_s=round(gw.tally.throttle_wait_s, 3)),
            first_failure_s=gw.tally.first_failure_s,
            tests=dict(self.tests),
            rules=rules,
            failures=tuple(
                FailedTestRecord(
                    test=f.test,
                    rules=tuple(f.rules),
                    message=f.message,
                    reproduce=self.replay_command(seed, f.test),
                )
                for f in self.failures
            ),
        )

    def write(self, exitstatus: int, *, seed: int, environ: Mapping[str, str]) -> Path:
        """Write summary.json (and Allure's environment file when Allure results exist)."""
        path = write_summary(self.summary(exitstatus, seed=seed), self.reports_dir)
        layout = ReportsLayout(self.reports_dir)
        if layout.allure_results.is_dir():
            layout.allure_environment.write_text(self._allure_environment(seed), encoding="utf-8")
        return path

    def _allure_environment(self, seed: int) -> str:
        """Allure's environment file: the target the suite ran against, one `key=value` a line."""
        assert self.session is not None
        gw = self.session
        lines = [
            f"target={gw.target.name}",
            f"kind={gw.target.kind}",
            f"base_url={gw.base_url}",
            f"profile={self.profile}",
            f"seed={seed}",
            f"channels={','.join(gw.target.channels)}",
            f"contracts={gw.contract.root}",
            f"dialect={gw.contract.dialect}",
            f"rate_limit={gw.target.rate_limit}",
        ]
        return "\n".join(lines) + "\n"

    def terminal_lines(self, *, seed: int, replays: bool = True) -> list[str]:
        """The rule table for the end of the console output (and each failure's replay line, if `replays`)."""
        assert self.session is not None
        rules = self.rules()
        lines = ["", "gatewatch contract rules:"]
        width = max(len(r) for r in rules)
        for rule_id, r in rules.items():
            extra = f" ({r.reason})" if r.reason else f" {r.checks} checks"
            if r.violations:
                example = r.examples[0][:120] if r.examples else ""
                extra = f" {r.violations} violation(s): {example}"
            elif r.notes:
                extra += f", reported: {r.notes[0][:120]}"
            lines.append(f"  {r.status.upper():8} {rule_id:{width}} [{r.provenance}]{extra}")
        tally = self.session.tally
        lines.append(
            f"requests: {tally.requests}, 500s seen: {tally.server_errors}, "
            f"429s seen: {tally.throttled} (waited {tally.throttle_wait_s:.1f} s)"
        )
        lines.append(f"gatewatch: {self.session.budget.describe()}")
        lines.append(f"gatewatch: seed {seed} (replay: {self.replay_command(seed)})")
        for f in self.failures if replays else ():
            lines.append(f"reproduce {f.test}: {self.replay_command(seed, f.test)}")
        lines.append(f"summary: {ReportsLayout(self.reports_dir).suite_summary}")
        return lines


def write_summary(summary: SuiteSummary, reports_dir: Path) -> Path:
    """Write the summary as reports_dir/summary.json (atomically) and return its path."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    path = ReportsLayout(reports_dir).suite_summary
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(encode(summary), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def _result(exitstatus: int, rules: Mapping[str, RuleVerdict]) -> str:
    """The summary's result: interrupted when the session did not run to its end, else by the rules."""
    # A signal can land where pytest turns it into a test error and goes on: still interrupted.
    if exitstatus == pytest.ExitCode.INTERRUPTED or interrupts.received() is not None:
        return INTERRUPTED
    return FAILED if any(r.status == FAILED for r in rules.values()) else PASSED


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return "skipped"
