"""Allure steps, attachments and labels for the suite, when allure-pytest is recording.

A step per verified call, with a sub-step per check (failed ones carry the reason), the
request and answer attached as JSON (already redacted). Only the first few calls of a
test and every failing one get steps, so a Hypothesis test does not bury its report.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

import allure

from gatewatch.checks import REGISTRY, Violation
from gatewatch.exchange import Exchange

STEPS_PER_TEST = 5


class _StepFailed(AssertionError):
    """Raised inside a step to mark it failed in Allure; caught right away."""


class AllureRecorder:
    """Turns verified exchanges into Allure steps for the test that is running."""

    def __init__(self) -> None:
        self.calls_in_test = 0

    def start_test(self, channel: str | None, rules: Iterable[str], provenance: dict[str, str]) -> None:
        """Label the current test by channel and rule."""
        self.calls_in_test = 0
        if channel:
            allure.dynamic.label("channel", channel)
            allure.dynamic.tag(f"channel:{channel}")
        for rule in rules:
            allure.dynamic.label("rule", rule)
            allure.dynamic.tag(rule)
            allure.dynamic.feature(provenance.get(rule, "rule"))
            allure.dynamic.story(rule)

    def on_verify(self, exchange: Exchange, violations: list[Violation], judged: Iterable[str]) -> None:
        """One step for the call; a sub-step per check and per expectation."""
        self.calls_in_test += 1
        if self.calls_in_test > STEPS_PER_TEST and not violations:
            return
        url = urlsplit(exchange.request.url)
        title = f"{exchange.request.method} {url.path} -> {exchange.status}"
        try:
            with allure.step(title):
                checks = sorted(
                    {(c.name, c.rule) for c in REGISTRY.values() if exchange.operation in c.operations}
                    | {("expectation", rule) for rule in judged}
                )
                for name, rule in checks:
                    _check_step(name, rule, [v for v in violations if v.rule == rule])
                allure.attach(
                    json.dumps(exchange.to_dict(), indent=2, ensure_ascii=False),
                    name="request and response",
                    attachment_type=allure.attachment_type.JSON,
                )
                allure.attach(
                    exchange.request.curl(),
                    name="reproduce (curl)",
                    attachment_type=allure.attachment_type.TEXT,
                )
                if violations:
                    raise _StepFailed("; ".join(v.headline() for v in violations))
        except _StepFailed:
            pass  # the step is marked failed; the test itself fails through verify


def _check_step(name: str, rule: str, failing: list[Violation]) -> None:
    try:
        with allure.step(f"{rule} ({name})"):
            if failing:
                raise _StepFailed("; ".join(v.message for v in failing))
    except _StepFailed:
        pass
