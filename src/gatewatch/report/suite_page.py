"""The contract suite's section of the page: facts, failed rules with their evidence, the rule table."""

from __future__ import annotations

from gatewatch.core.reports_layout import RELATIVE
from gatewatch.report.markup import (
    Html,
    count,
    facts,
    interrupted_note,
    join,
    number,
    pre,
    problems,
    rule_status,
    section,
    span,
    table,
    tag,
)
from gatewatch.report.model import ExchangeView, FailedTest, RuleRow, RuleStatus, SuitePart, Verdict

_SUMMARY = RELATIVE.suite_summary.as_posix()
_ALLURE_RESULTS = RELATIVE.allure_results.as_posix()

TESTS_PER_RULE = 5


def suite_section(part: SuitePart) -> Html:
    """`<section id="contract">`: what ran, what broke and why, each rule's status."""
    body = [problems(part.problems)]
    if part.verdict is Verdict.INTERRUPTED:
        body.append(interrupted_note(part.interrupted))
        return section("contract", "Contract suite", part.verdict, body)
    if part.verdict is Verdict.NOT_RUN:
        body.append(tag("p", f"Not run: this folder has no {_SUMMARY} (gatewatch contract writes it)."))
        return section("contract", "Contract suite", part.verdict, body)
    target = part.target
    tests = ", ".join(f"{n} {k}" for k, n in part.tests.items()) or None
    body.append(
        facts(
            [
                ("target", f"{target.name} ({target.kind})" if target.kind else target.name),
                ("base URL", target.base_url),
                ("rate limit", target.rate_limit),
                (
                    "dialect",
                    target.dialect
                    or (f"not recorded ({target.dialect_note})" if target.dialect_note else None),
                ),
                ("ran", span(part.ran.started, part.ran.ended)),
                ("duration", number(part.duration_s, 1, "s")),
                ("profile", part.profile),
                ("seed", part.seed),
                ("tests", tests),
                ("requests", count(part.requests)),
                ("500s seen", count(part.server_errors)),
                ("429s seen", _throttled(part)),
                ("budget", part.budget),
                ("exit status", part.exit_status),
            ]
        )
    )
    if part.replay:
        body.append(pre(part.replay, label="Replay the whole run:"))
    failed = [r for r in part.rules if r.status is RuleStatus.FAILED]
    if failed:
        body.append(tag("h3", f"Failed rules ({len(failed)})"))
        body.extend(_failed_rule(rule, part) for rule in failed)
    named = {r.id for r in failed}
    others = [f for f in part.failures if not named.intersection(f.rules)]
    if others:
        body.append(tag("h3", f"Failed tests that broke no rule ({len(others)})"))
        body.append(tag("p", "These failed for another reason (an error in the test, a setup failure)."))
        body.append(_tests_table(others))
    if part.rules:
        body.append(tag("h3", f"Rules ({len(part.rules)})"))
        body.append(_rule_table(part.rules))
    return section("contract", "Contract suite", part.verdict, body)


def _throttled(part: SuitePart) -> str | None:
    if part.throttled is None:
        return None
    waited = f" (waited {part.throttle_wait_s:.1f} s)" if part.throttle_wait_s else ""
    return f"{part.throttled:,}{waited}"


def _failed_rule(rule: RuleRow, part: SuitePart) -> Html:
    tests = [f for f in part.failures if rule.id in f.rules]
    body = [
        tag("h4", join([tag("code", rule.id), " ", tag("span", rule.provenance, class_="provenance")])),
        tag(
            "p",
            f"{rule.violations} violation(s) in {rule.checks} check(s). {rule.summary}",
            class_="rule-summary",
        ),
    ]
    if rule.examples:
        body.append(tag("p", "What broke:", class_="pre-label"))
        body.append(tag("ul", join(tag("li", e) for e in rule.examples)))
    if tests:
        body.append(
            tag("p", f"Failing tests ({len(tests)}), each with the line that replays it:", class_="pre-label")
        )
        body.append(_replay_table(tests[:TESTS_PER_RULE]))
        if len(tests) > TESTS_PER_RULE:
            body.append(
                tag("p", f"and {len(tests) - TESTS_PER_RULE} more (all in {_SUMMARY}).", class_="note")
            )
    evidence = part.evidence.get(rule.id, ())
    if evidence:
        body.extend(_exchange(view, i + 1, opened=i == 0) for i, view in enumerate(evidence))
    elif rule.reproduce:
        body.append(
            tag(
                "p",
                f"The answers are not in this folder (no {_ALLURE_RESULTS}); the requests, as curl:",
                class_="note",
            )
        )
        body.extend(pre(line) for line in rule.reproduce)
    return Html(f'<article class="rule-failure">{join(body)}</article>')


def _replay_table(tests: list[FailedTest]) -> Html:
    return table(["failed test", "replay"], [(f.test, tag("code", f.replay)) for f in tests])


def _tests_table(tests: list[FailedTest]) -> Html:
    return table(
        ["failed test", "message", "replay"],
        [(f.test, f.message, tag("code", f.replay)) for f in tests],
    )


def _exchange(view: ExchangeView, index: int, *, opened: bool) -> Html:
    """A failing call: request, answer and curl line, in a disclosure (the first one open)."""
    status = "no answer" if view.status is None else str(view.status)
    summary = f"Call {index}: {view.method} {view.url} answered {status}"
    request = [f"{view.method} {view.url}", *(f"{k}: {v}" for k, v in view.request_headers)]
    if view.request_body is not None:
        request += ["", view.request_body]
    elapsed = f" after {view.elapsed_ms:.1f} ms" if view.elapsed_ms is not None else ""
    answer = [f"{status}{elapsed}", *(f"{k}: {v}" for k, v in view.response_headers), "", view.response_body]
    parts = [
        tag("summary", summary),
        *(tag("p", h, class_="headline") for h in view.headlines),
        pre("\n".join(request), label="Request"),
        pre("\n".join(answer), label="Answer"),
        pre(view.curl, label="Reproduce with curl (the key is redacted):"),
    ]
    return Html(f'<details class="exchange"{" open" if opened else ""}>{join(parts)}</details>')


def _rule_table(rules: tuple[RuleRow, ...]) -> Html:
    return table(
        ["rule", "provenance", "status", "checks", "violations", "what it says"],
        [
            (
                tag("code", r.id),
                r.provenance,
                rule_status(r.status, r.reason),
                r.checks,
                r.violations,
                r.summary,
            )
            for r in rules
        ],
        numeric=(3, 4),
    )
