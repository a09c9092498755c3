"""Reads the contract suite's files: summary.json, and the failing calls from allure-results/.

summary.json (written by `gatewatch.suite.summary`) has the verdict, the target and dialect,
each rule with its provenance, status and check counts, and each failed test with its
replay line. It does not hold the calls themselves: those are Allure attachments
(`Exchange.to_dict()`, already redacted) on the failed steps `gatewatch.suite.allure_glue`
writes, whose step message carries each violation's headline, `[rule (provenance)]
message`. Summaries written before the provenance named the vendor page (`vendor` alone)
get it from that headline.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

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
from gatewatch.core.reports_layout import RELATIVE, ReportsLayout
from gatewatch.report._read import (
    Unreadable,
    epoch,
    integer,
    number,
    obj,
    read_json,
    read_object,
    read_record,
    read_text,
    seq,
    text,
)
from gatewatch.report.model import (
    ExchangeView,
    FailedTest,
    Problem,
    RuleRow,
    RuleStatus,
    RunTime,
    SuitePart,
    TargetInfo,
    Verdict,
)

VENDOR = "vendor"  # the provenance that names a page (contract.model.Rule.origin: `vendor: <page>`)
EVIDENCE_PER_RULE = 3
BODY_LIMIT = 4000
PROBLEMS_LISTED = 5
_HEADLINE = re.compile(r"\[(?P<rule>[A-Za-z0-9_.-]+) \((?P<origin>[^()\]]+)\)\] [^\n;]*")
_STATUSES = {
    PASSED: RuleStatus.PASSED,
    FAILED: RuleStatus.FAILED,
    SKIPPED: RuleStatus.SKIPPED,
    "not_exercised": RuleStatus.NOT_EXERCISED,
}
# Ctrl-C or SIGTERM ended the session: no verdict.
_VERDICTS = {PASSED: Verdict.PASSED, FAILED: Verdict.FAILED, INTERRUPTED: Verdict.INTERRUPTED}
INTERRUPTED_NOTE = "the session was interrupted (Ctrl-C or SIGTERM)"
# What a summary without (or with a broken) `target` or `throttled` reads as.
_NO_TARGET = SuiteTarget(name=None, kind=None, base_url=None, rate_limit=None, dry_run_sends=None)
_NO_THROTTLED = Throttled(count=None, waited_s=None)


def read_suite(reports_dir: Path) -> SuitePart:
    """The suite's part of the page; `not run` when there is no summary.json."""
    layout = ReportsLayout(reports_dir)
    path = layout.suite_summary
    where = layout.relative(path)
    if not path.is_file():
        return SuitePart(verdict=Verdict.NOT_RUN)
    try:
        decoded = read_record(path, SuiteSummary)
    except Unreadable as exc:
        return SuitePart(verdict=Verdict.UNREADABLE, problems=(Problem(where, str(exc)),))
    doc = decoded.record
    evidence, origins, problems = read_evidence(layout.allure_results)
    if (damaged := decoded.summary()) is not None:
        problems.insert(0, Problem(where, damaged))
    verdict = _verdict(doc.result)
    if verdict is Verdict.UNREADABLE:
        problems.insert(0, Problem(where, f"result is {doc.result!r}, not passed or failed"))
    started = epoch(doc.started)
    throttled = doc.throttled or _NO_THROTTLED
    return SuitePart(
        verdict=verdict,
        problems=tuple(problems),
        interrupted=INTERRUPTED_NOTE if verdict is Verdict.INTERRUPTED else None,
        target=_target(doc, layout.allure_environment),
        ran=RunTime(started=started, ended=started + doc.duration_s if started and doc.duration_s else None),
        duration_s=doc.duration_s,
        profile=doc.profile,
        seed=doc.seed,
        replay=doc.replay,
        exit_status=doc.exit_status,
        requests=doc.requests,
        server_errors=doc.server_errors,
        throttled=throttled.count,
        throttle_wait_s=throttled.waited_s,
        budget=doc.budget,
        tests=doc.tests,
        rules=tuple(_rule(rule_id, rule, origins) for rule_id, rule in doc.rules.items()),
        failures=tuple(_failure(f) for f in doc.failures),
        evidence=evidence,
    )


def _verdict(result: str | None) -> Verdict:
    return _VERDICTS.get(result or "", Verdict.UNREADABLE)


def _target(doc: SuiteSummary, environment: Path) -> TargetInfo:
    """The target, and the dialect: summary.json's, else Allure's environment file's."""
    target = doc.target or SuiteTarget(
        name=None, kind=None, base_url=None, rate_limit=None, dry_run_sends=None
    )
    dialect, contracts = doc.dialect, doc.contracts
    if dialect is None and environment.is_file():
        try:
            props = _properties(read_text(environment))
        except Unreadable:
            props = {}
        dialect, contracts = props.get("dialect"), contracts or props.get("contracts")
    return TargetInfo(
        name=target.name,
        kind=target.kind,
        base_url=target.base_url,
        rate_limit=target.rate_limit,
        dialect=dialect,
        dialect_note=f"contracts: {contracts}" if dialect is None and contracts else None,
    )


def _properties(content: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in content.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            out[key.strip()] = value.strip()
    return out


def _rule(rule_id: str, rule: RuleVerdict, origins: Mapping[str, str]) -> RuleRow:
    provenance = rule.provenance or "-"
    if provenance == VENDOR:
        # Older summaries say `vendor` alone; a violation's headline names the page.
        provenance = origins.get(rule_id, provenance)
    reason = rule.reason
    status = _STATUSES.get(rule.status, RuleStatus.SKIPPED)
    if status is RuleStatus.SKIPPED and reason == NOT_EXERCISED_REASON:
        status, reason = RuleStatus.NOT_EXERCISED, None
    elif rule.status not in _STATUSES:
        reason = f"{RELATIVE.suite_summary.as_posix()} says {rule.status!r}"
    return RuleRow(
        id=rule_id,
        provenance=provenance,
        summary=rule.summary,
        status=status,
        reason=reason,
        checks=rule.checks,
        violations=rule.violations,
        examples=rule.examples,
        reproduce=rule.reproduce,
    )


def _failure(failed: FailedTestRecord) -> FailedTest:
    return FailedTest(
        test=failed.test or "?",
        rules=failed.rules,
        message=failed.message,
        replay=failed.reproduce,
    )


# -- allure-results: the failing calls ---------------------------------------------------


def read_evidence(
    folder: Path,
) -> tuple[dict[str, tuple[ExchangeView, ...]], dict[str, str], list[Problem]]:
    """(rule -> failing calls, rule -> provenance as the headlines say it, problems) from Allure results."""
    problems: list[Problem] = []
    if not folder.is_dir():
        return {}, {}, problems
    evidence: dict[str, list[ExchangeView]] = {}
    origins: dict[str, str] = {}
    seen: set[tuple[str, str, int | None]] = set()
    for doc in _result_docs(folder, problems):
        for step in _failed_steps(doc):
            headlines = _headlines(step)
            if not headlines:
                continue
            for rule, origin, _ in headlines:
                origins.setdefault(rule, origin)
            for exchange in _exchanges(folder, step, problems):
                view = ExchangeView(**_fields(exchange), headlines=tuple(h for _, _, h in headlines))
                _keep(evidence, seen, view, [r for r, _, _ in headlines])
    return {rule: tuple(views) for rule, views in evidence.items()}, origins, _listed(folder, problems)


def _result_docs(folder: Path, problems: list[Problem]) -> list[Mapping[str, Any]]:
    """The test results and containers, in the order they started (then by file name)."""
    docs: list[tuple[float, str, Mapping[str, Any]]] = []
    for path in sorted(folder.glob("*-result.json")) + sorted(folder.glob("*-container.json")):
        try:
            doc = read_object(path)
        except Unreadable as exc:
            problems.append(Problem(f"{folder.name}/{path.name}", str(exc)))
            continue
        docs.append((number(doc.get("start")) or 0.0, path.name, doc))
    return [doc for _, _, doc in sorted(docs, key=lambda d: (d[0], d[1]))]


def _keep(
    evidence: dict[str, list[ExchangeView]],
    seen: set[tuple[str, str, int | None]],
    view: ExchangeView,
    rules: list[str],
) -> None:
    """Keep `view` as evidence of each of its rules, once per call, up to EVIDENCE_PER_RULE each."""
    for rule in dict.fromkeys(rules):
        key = (rule, view.curl, view.status)
        kept = evidence.setdefault(rule, [])
        if key not in seen and len(kept) < EVIDENCE_PER_RULE:
            seen.add(key)
            kept.append(view)


def _listed(folder: Path, problems: list[Problem]) -> list[Problem]:
    """The first PROBLEMS_LISTED problems, and how many more files there were."""
    if len(problems) <= PROBLEMS_LISTED:
        return problems
    more = len(problems) - PROBLEMS_LISTED
    return [*problems[:PROBLEMS_LISTED], Problem(folder.name, f"and {more} more files")]


def _failed_steps(doc: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every failed step with attachments: in a test result, or in a container's fixtures."""
    pending = deque([doc, *(obj(f) for f in (*seq(doc.get("befores")), *seq(doc.get("afters"))))])
    while pending:
        step = pending.popleft()
        if step.get("status") == "failed" and seq(step.get("attachments")):  # own-name: Allure's key
            yield step
        pending.extend(obj(s) for s in seq(step.get("steps")))


def _headlines(step: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(rule, provenance, headline) of each violation named in a failed step's message."""
    message = text(obj(step.get("statusDetails")).get("message")) or ""  # own-name: Allure's key
    return [(m["rule"], m["origin"], m[0].strip()) for m in _HEADLINE.finditer(message)]


def _exchanges(folder: Path, step: Mapping[str, Any], problems: list[Problem]) -> Iterator[Mapping[str, Any]]:
    """The step's JSON attachments that are recorded exchanges (request, response, curl)."""
    for attachment in seq(step.get("attachments")):
        source = text(obj(attachment).get("source"))
        # Only a plain file name inside the results folder: never follow a path out of it.
        if not source or Path(source).name != source or not source.endswith(".json"):
            continue
        try:
            content = read_json(folder / source)
        except Unreadable as exc:
            problems.append(Problem(f"{folder.name}/{source}", str(exc)))
            continue
        if isinstance(content, dict) and isinstance(content.get("request"), dict):
            yield content


def _fields(exchange: Mapping[str, Any]) -> dict[str, Any]:
    """ExchangeView's fields from an `Exchange.to_dict()` attachment."""
    request, response = obj(exchange.get("request")), obj(exchange.get("response"))
    return {
        "method": text(request.get("method")) or "?",
        "url": text(request.get("url")) or "?",
        "request_headers": _headers(request.get("headers")),
        "request_body": _body(request.get("body"), allow_none=True),  # own-name: Exchange.to_dict's key
        "status": integer(response.get("status")),  # own-name: Exchange.to_dict's key
        "response_headers": _headers(response.get("headers")),
        "response_body": _body(response.get("body")) or "",  # own-name: Exchange.to_dict's key
        "elapsed_ms": number(response.get("elapsed_ms")),
        "curl": text(exchange.get("curl")) or "",
    }


def _headers(value: object) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in obj(value).items())


def _body(value: object, *, allow_none: bool = False) -> str | None:
    if value is None:
        return None if allow_none else ""
    content = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
    if len(content) > BODY_LIMIT:
        return content[:BODY_LIMIT] + f"... ({len(content)} characters in all)"
    return content
