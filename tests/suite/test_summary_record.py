"""summary.json round trip: what the suite's reporter writes, the report reads back as the same record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatewatch.contract import default_contract
from gatewatch.core.config import Keys, local_target
from gatewatch.core.exchange import Exchange, RecordedRequest, RecordedResponse
from gatewatch.core.records.suite_summary import SUITE_SUMMARY_VERSION, SuiteSummary
from gatewatch.core.secrets import Secret
from gatewatch.report._read import read_record
from gatewatch.report.model import RuleStatus, Verdict
from gatewatch.report.suite_source import read_suite
from gatewatch.suite import ContractViolation, SuiteSession
from gatewatch.suite.summary import SuiteReporter, write_summary

CONTRACT = default_contract()
BASE_URL = "http://127.0.0.1:9/api"


def _reporter(reports: Path) -> SuiteReporter:
    session = SuiteSession(
        contract=CONTRACT,
        target=local_target(CONTRACT, BASE_URL),
        keys=Keys(primary=Secret("key-a"), second=None),
        base_url=BASE_URL,
    )
    # One answer that breaks a rule: the summary has a failed rule, its example and its curl line.
    answer = Exchange(
        "lookup",
        RecordedRequest("GET", f"{BASE_URL}/x", (("X-Api-Key", "***"),)),
        RecordedResponse(404, (("Content-Type", "application/json"),), b'{"status": 404}', 0.001),
        message_id="m-1",
        channel="SMS",
        keyed=True,
    )
    with pytest.raises(ContractViolation):
        session.verify(answer)
    reporter = SuiteReporter(reports_dir=reports, profile="ci", started=1_800_000_000.0)
    reporter.attach(session)
    reporter.tests.update({"passed": 3, "failed": 1})
    return reporter


def test_the_summary_written_is_the_summary_read(tmp_path: Path) -> None:
    reporter = _reporter(tmp_path)
    summary = reporter.summary(1, seed=7)
    path = write_summary(summary, tmp_path)
    assert json.loads(path.read_text())["version"] == SUITE_SUMMARY_VERSION
    decoded = read_record(path, SuiteSummary)
    assert decoded.problems == ()
    assert decoded.record == summary
    part = read_suite(tmp_path)
    assert part.problems == () and part.verdict is Verdict.FAILED
    assert (part.seed, part.requests, part.exit_status) == (7, summary.requests, 1)
    rules = {r.id: r for r in part.rules}
    assert set(rules) == set(summary.rules)
    assert rules["error_body"].status is RuleStatus.FAILED
    assert rules["error_body"].reproduce == summary.rules["error_body"].reproduce != ()


def test_the_reporter_writes_the_versioned_record(tmp_path: Path) -> None:
    path = _reporter(tmp_path).write(1, seed=7, environ={})
    decoded = read_record(path, SuiteSummary)
    assert decoded.problems == () and decoded.record.version == SUITE_SUMMARY_VERSION
    assert decoded.record.result == "failed" and decoded.record.tests == {
        "passed": 3,
        "failed": 1,
        "skipped": 0,
    }
