"""Allure steps, attachments and labels for the suite, when allure-pytest is recording.

A step per verified call, with a sub-step per rule a check judged on it (failed ones
carry the reason; rules that did not apply to the answer get no step), the request and
answer attached as JSON (already redacted). Only the first few calls of a
test and every failing one get steps, so a Hypothesis test does not bury its report. The
attachments of a run stop at ATTACHMENTS_BUDGET_BYTES (a target answering megabytes to
every call must not fill the disk): past it a step says so instead, once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

import allure

from gatewatch.checks import REGISTRY, Violation
from gatewatch.core.bounds import ATTACHMENTS_BUDGET_BYTES
from gatewatch.core.exchange import Exchange

STEPS_PER_TEST = 5


class _StepFailed(AssertionError):
    """Raised inside a step to mark it failed in Allure; caught right away."""


class AllureRecorder:
    """Turns verified exchanges into Allure steps for the test that is running."""

    def __init__(self, budget_bytes: int = ATTACHMENTS_BUDGET_BYTES) -> None:
        self.calls_in_test = 0
        #: What attachments may still add up to in this run (bytes).
        self.budget_left = budget_bytes
        self.over_budget = False

    def start_test(
        self,
        channel: str | None,
        rules: Iterable[str],
        origins: dict[str, str],
        *,
        channel_label: str,
        skipped: dict[str, str] | None = None,
    ) -> None:
        """Label the current test by channel and rule, each rule with its provenance.

        `channel_label` names the channel label (the contract's channel parameter);
        `skipped` maps rules switched off for this run to the reason, shown as a label.
        """
        self.calls_in_test = 0
        if channel:
            allure.dynamic.label(channel_label, channel)
            allure.dynamic.tag(f"{channel_label}:{channel}")
        for rule in rules:
            origin = origins.get(rule, "rule")
            allure.dynamic.label("rule", rule)
            allure.dynamic.label("provenance", f"{rule}: {origin}")
            allure.dynamic.tag(rule)
            allure.dynamic.feature(origin)
            allure.dynamic.story(rule)
        for rule, reason in (skipped or {}).items():
            allure.dynamic.label("skipped_rule", f"{rule}: {reason}")

    def on_verify(self, exchange: Exchange, violations: list[Violation], judged: Iterable[str]) -> None:
        """One step for the call; a sub-step per rule judged (named by the checks that judged it)."""
        self.calls_in_test += 1
        if self.calls_in_test > STEPS_PER_TEST and not violations:
            return
        url = urlsplit(exchange.request.url)
        title = f"{exchange.request.method} {url.path} -> {exchange.status}"
        try:
            with allure.step(title):
                for rule in sorted(set(judged)):
                    names = sorted(
                        {c.name for c in REGISTRY.values() if c.rule == rule}
                        | {v.check for v in violations if v.rule == rule and v.check}
                    )
                    _check_step(
                        ", ".join(names) or "expectation", rule, [v for v in violations if v.rule == rule]
                    )
                self._attach(exchange)
                if violations:
                    raise _StepFailed("; ".join(v.headline() for v in violations))
        except _StepFailed:
            pass  # the step is marked failed; the test itself fails through verify

    def _attach(self, exchange: Exchange) -> None:
        """The request and answer as JSON and a curl line, while the run's budget lasts."""
        recorded = json.dumps(exchange.to_dict(), indent=2, ensure_ascii=False)
        curl = exchange.request.curl()
        size = len(recorded.encode()) + len(curl.encode())
        if size > self.budget_left:
            if not self.over_budget:
                self.over_budget = True
                with allure.step(
                    f"attachments stopped: this run's {ATTACHMENTS_BUDGET_BYTES:,}-byte budget is spent"
                ):
                    pass
            return
        self.budget_left -= size
        allure.attach(recorded, name="request and response", attachment_type=allure.attachment_type.JSON)
        allure.attach(curl, name="reproduce (curl)", attachment_type=allure.attachment_type.TEXT)


def _check_step(name: str, rule: str, failing: list[Violation]) -> None:
    try:
        with allure.step(f"{rule} ({name})"):
            if failing:
                raise _StepFailed("; ".join(v.message for v in failing))
    except _StepFailed:
        pass
