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

from gatewatch.report._read import (
    Unreadable,
    epoch,
    integer,
    number,
    obj,
    read_json,
    read_object,
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
from gatewatch.reports_layout import RELATIVE, ReportsLayout

VENDOR = "vendor"  # the provenance that names a page (contract.model.Rule.origin: `vendor: <page>`)
# The reason SuiteReporter.rules() gives a rule that no check judged in the run.
NOT_EXERCISED_REASON = "not exercised by this run"
EVIDENCE_PER_RULE = 3
BODY_LIMIT = 4000
PROBLEMS_LISTED = 5
_HEADLINE = re.compile(r"\[(?P<rule>[A-Za-z0-9_.-]+) \((?P<origin>[^()\]]+)\)\] [^\n;]*")
_STATUSES = {
    "passed": RuleStatus.PASSED,
    "failed": RuleStatus.FAILED,
    "skipped": RuleStatus.SKIPPED,
    "not_exercised": RuleStatus.NOT_EXERCISED,
}


def read_suite(reports_dir: Path) -> SuitePart:
    """The suite's part of the page; `not run` when there is no summary.json."""
    layout = ReportsLayout(reports_dir)
    path = layout.suite_summary
    where = layout.relative(path)
    if not path.is_file():
        return SuitePart(verdict=Verdict.NOT_RUN)
    try:
        doc = read_object(path)
    except Unreadable as exc:
        return SuitePart(verdict=Verdict.UNREADABLE, problems=(Problem(where, str(exc)),))
    evidence, origins, problems = read_evidence(layout.allure_results)
    rules = tuple(_rule(rule_id, obj(raw), origins) for rule_id, raw in obj(doc.get("rules")).items())
    verdict = _verdict(text(doc.get("result")))
    interrupted = (
        "the session was interrupted (Ctrl-C or SIGTERM)" if verdict is Verdict.INTERRUPTED else None
    )
    if verdict is Verdict.UNREADABLE:
        problems.insert(0, Problem(where, f"result is {doc.get('result')!r}, not passed or failed"))
    started = epoch(doc.get("started"))
    duration = number(doc.get("duration_s"))
    tests = {k: v for k, v in obj(doc.get("tests")).items() if isinstance(v, int)}
    throttled = obj(doc.get("throttled"))
    return SuitePart(
        verdict=verdict,
        problems=tuple(problems),
        interrupted=interrupted,
        target=_target(doc, layout.allure_environment),
        ran=RunTime(started=started, ended=started + duration if started and duration else None),
        duration_s=duration,
        profile=text(doc.get("profile")),
        seed=integer(doc.get("seed")),
        replay=text(doc.get("replay")),
        exit_status=integer(doc.get("exit_status")),
        requests=integer(doc.get("requests")),
        server_errors=integer(doc.get("server_errors")),
        throttled=integer(throttled.get("count")),
        throttle_wait_s=number(throttled.get("waited_s")),
        budget=text(doc.get("budget")),
        tests=tests,
        rules=rules,
        failures=tuple(_failure(obj(f)) for f in seq(doc.get("failures"))),
        evidence=evidence,
    )


def _verdict(result: str | None) -> Verdict:
    if result == "passed":
        return Verdict.PASSED
    if result == "failed":
        return Verdict.FAILED
    if result == "interrupted":  # Ctrl-C or SIGTERM ended the session: no verdict
        return Verdict.INTERRUPTED
    return Verdict.UNREADABLE


def _target(doc: Mapping[str, Any], environment: Path) -> TargetInfo:
    """The target, and the dialect: summary.json's, else Allure's environment file's."""
    target = obj(doc.get("target"))
    dialect, contracts = text(doc.get("dialect")), text(doc.get("contracts"))
    if dialect is None and environment.is_file():
        try:
            props = _properties(read_text(environment))
        except Unreadable:
            props = {}
        dialect, contracts = props.get("dialect"), contracts or props.get("contracts")
    return TargetInfo(
        name=text(target.get("name")),
        kind=text(target.get("kind")),
        base_url=text(target.get("base_url")),
        rate_limit=text(target.get("rate_limit")),
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


def _rule(rule_id: str, raw: Mapping[str, Any], origins: Mapping[str, str]) -> RuleRow:
    provenance = text(raw.get("provenance")) or "-"
    if provenance == VENDOR:
        # Older summaries say `vendor` alone; a violation's headline names the page.
        provenance = origins.get(rule_id, provenance)
    status_word = text(raw.get("status")) or ""  # own-name: summary.json's key
    reason = text(raw.get("reason"))
    status = _STATUSES.get(status_word, RuleStatus.SKIPPED)
    if status is RuleStatus.SKIPPED and reason == NOT_EXERCISED_REASON:
        status, reason = RuleStatus.NOT_EXERCISED, None
    elif status_word not in _STATUSES:
        reason = f"{RELATIVE.suite_summary.as_posix()} says {status_word!r}"
    return RuleRow(
        id=rule_id,
        provenance=provenance,
        summary=text(raw.get("summary")) or "",
        status=status,
        reason=reason,
        checks=integer(raw.get("checks")) or 0,
        violations=integer(raw.get("violations")) or 0,
        examples=tuple(e for e in seq(raw.get("examples")) if isinstance(e, str)),
        reproduce=tuple(r for r in seq(raw.get("reproduce")) if isinstance(r, str)),
    )


def _failure(raw: Mapping[str, Any]) -> FailedTest:
    return FailedTest(
        test=text(raw.get("test")) or "?",
        rules=tuple(r for r in seq(raw.get("rules")) if isinstance(r, str)),
        message=text(raw.get("message")) or "",  # own-name: summary.json's key
        replay=text(raw.get("reproduce")) or "",
    )


# -- allure-results: the failing calls ---------------------------------------------------


def read_evidence(
    folder: Path,
) -> tuple[dict[str, tuple[ExchangeView, ...]], dict[str, str], list[Problem]]:
    """(rule -> failing calls, rule -> provenance as the headlines say it, problems) from Allure results."""
    evidence: dict[str, list[ExchangeView]] = {}
    origins: dict[str, str] = {}
    problems: list[Problem] = []
    if not folder.is_dir():
        return {}, origins, problems
    docs: list[tuple[float, str, Mapping[str, Any]]] = []
    for path in sorted(folder.glob("*-result.json")) + sorted(folder.glob("*-container.json")):
        try:
            doc = read_object(path)
        except Unreadable as exc:
            problems.append(Problem(f"{folder.name}/{path.name}", str(exc)))
            continue
        docs.append((number(doc.get("start")) or 0.0, path.name, doc))
    seen: set[tuple[str, str, int | None]] = set()
    for _, _, doc in sorted(docs, key=lambda d: (d[0], d[1])):
        for step in _failed_steps(doc):
            headlines = _headlines(step)
            if not headlines:
                continue
            for rule, origin, _ in headlines:
                origins.setdefault(rule, origin)
            for exchange in _exchanges(folder, step, problems):
                view = ExchangeView(**_fields(exchange), headlines=tuple(h for _, _, h in headlines))
                for rule in dict.fromkeys(r for r, _, _ in headlines):
                    key = (rule, view.curl, view.status)
                    kept = evidence.setdefault(rule, [])
                    if key not in seen and len(kept) < EVIDENCE_PER_RULE:
                        seen.add(key)
                        kept.append(view)
    if len(problems) > PROBLEMS_LISTED:
        more = len(problems) - PROBLEMS_LISTED
        problems = [*problems[:PROBLEMS_LISTED], Problem(folder.name, f"and {more} more files")]
    return {rule: tuple(views) for rule, views in evidence.items()}, origins, problems


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
