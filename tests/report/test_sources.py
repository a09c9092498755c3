"""The readers: what each part's files are turned into, and the file names and words they share."""

from __future__ import annotations

import inspect
import json
import random
from pathlib import Path

import pytest

from gatewatch.core.records import suite_summary
from gatewatch.core.reports_layout import ReportsLayout
from gatewatch.loadtest import kinds as load_kinds
from gatewatch.loadtest.histograms import LatencyHistograms
from gatewatch.probe.outcomes import Outcome
from gatewatch.report import load_source, probe_source, suite_source
from gatewatch.report.load_source import HDR_FORMAT, percentile_histogram, read_load
from gatewatch.report.model import RuleStatus, Verdict
from gatewatch.report.probe_source import read_probe
from gatewatch.report.suite_source import read_suite
from gatewatch.suite import summary as suite_report
from tests.report.conftest import exchange_attachment, write_allure_results


def test_the_file_names_and_words_match_what_the_engines_write() -> None:
    # The report reads files, not the engines' modules; this is where a rename shows up.
    # The file names themselves come from gatewatch.core.reports_layout (tests/core/test_reports_layout.py).
    # The reason the reporter gives an unjudged rule is the one the reader looks for: one constant.
    assert "NOT_EXERCISED_REASON" in inspect.getsource(suite_report.SuiteReporter.rules)
    assert suite_source.NOT_EXERCISED_REASON is suite_summary.NOT_EXERCISED_REASON
    assert load_source.ALL_KINDS == load_kinds.ALL
    assert Outcome.DELIVERED.value == probe_source.DELIVERED
    assert Outcome.INTERRUPTED.value == probe_source.INTERRUPTED


def test_rule_statuses_map_to_the_table(reports: Path) -> None:
    rules = {r.id: r for r in read_suite(reports).rules}
    assert rules["error_body"].status is RuleStatus.FAILED and rules["error_body"].checks == 154
    assert rules["status_in_enum"].status is RuleStatus.PASSED
    assert rules["updated_at_monotonic"].status is RuleStatus.NOT_EXERCISED
    assert rules["updated_at_monotonic"].reason is None
    assert (rules["rate_limit_enforced"].status, rules["rate_limit_enforced"].reason) == (
        RuleStatus.SKIPPED,
        "switched off with --skip-rule",
    )


def test_provenance_is_the_summarys_or_for_older_ones_the_headlines(reports: Path) -> None:
    rules = {r.id: r.provenance for r in read_suite(reports).rules}
    assert rules["error_body"] == "vendor: llms-full.txt" and rules["echo_id"] == "pinned"
    # Summaries written before `provenance` named the page say "vendor": the headline of a
    # violation names it; a vendor rule that broke nothing stays "vendor".
    path = reports / "summary.json"
    doc = json.loads(path.read_text())
    for rule in doc["rules"].values():
        rule["provenance"] = rule["provenance"].split(":")[0]
    path.write_text(json.dumps(doc))
    rules = {r.id: r.provenance for r in read_suite(reports).rules}
    assert rules["error_body"] == "vendor: llms-full.txt"
    assert rules["rate_limit_enforced"] == "vendor"
    assert rules["send_accepted"] == "documented"


def test_evidence_is_kept_per_rule_deduplicated_and_capped(tmp_path: Path) -> None:
    results = write_allure_results(tmp_path)
    base = json.loads((results / "aaaa0000-0000-4000-8000-000000000001-result.json").read_text())
    for i in range(6):
        attachment = exchange_attachment({"n": i})
        attachment["curl"] = f"curl http://127.0.0.1/{i}"
        (results / f"a{i}-attachment.json").write_text(json.dumps(attachment))
        doc = json.loads(json.dumps(base))
        doc["steps"][0]["attachments"][0]["source"] = f"a{i}-attachment.json"
        doc["start"] = base["start"] + i + 1
        (results / f"b{i}-result.json").write_text(json.dumps(doc))
    # The same call recorded twice (a duplicate result file) is shown once.
    (results / "dup-result.json").write_text(json.dumps(base))
    evidence, origins, problems = suite_source.read_evidence(results)
    assert problems == []
    assert origins == {"error_body": "vendor: llms-full.txt", "send_accepted": "documented"}
    assert set(evidence) == {"error_body", "send_accepted"}
    curls = [v.curl for v in evidence["error_body"]]
    assert len(curls) == suite_source.EVIDENCE_PER_RULE and len(set(curls)) == len(curls)
    first = evidence["error_body"][0]  # the earliest result first
    assert first.status == 401 and first.method == "POST" and ("X-Api-Key", "***") in first.request_headers
    assert first.headlines[0].startswith("[error_body (vendor: llms-full.txt)] error-body.json")


def test_an_exchange_failed_in_a_fixture_is_found_in_its_container(tmp_path: Path) -> None:
    results = tmp_path / "allure-results"
    results.mkdir()
    (results / "x-attachment.json").write_text(json.dumps(exchange_attachment()))
    step = {
        "name": "POST -> 401",
        "status": "failed",
        "statusDetails": {"message": "[send_accepted (documented)] a valid send: expected 201, got 401"},
        "attachments": [
            {"name": "request and response", "source": "x-attachment.json", "type": "application/json"}
        ],
    }
    container = {"uuid": "c", "befores": [{"name": "fleet", "status": "failed", "steps": [step]}]}
    (results / "c-container.json").write_text(json.dumps(container))
    evidence, _, _ = suite_source.read_evidence(results)
    assert [v.status for v in evidence["send_accepted"]] == [401]


def test_the_percentile_histogram_gives_each_band_its_share() -> None:
    latency = {"min": 1.0, "mean": 3.0, "max": 40.0, "p50": 3.0, "p90": 6.0, "p99": 12.0, "p99.9": 30.0}
    found = percentile_histogram(latency, 10_000)
    assert found is not None
    assert [(b.low_ms, b.high_ms) for b in found.bins] == [(1, 3), (3, 6), (6, 12), (12, 30), (30, 40)]
    assert [round(b.requests) for b in found.bins] == [5000, 4000, 900, 90, 10]
    assert sum(b.requests for b in found.bins) == pytest.approx(10_000)
    assert found.bins[3].label == "99% to 99.9% of requests: 12 to 30 ms"


def test_an_hdr_histogram_file_is_drawn_exactly(reports: Path) -> None:
    """The format proposed for the load test to write: HdrHistogram's own encoding, per kind."""
    rng = random.Random(7)
    histograms = LatencyHistograms()
    for _ in range(3000):
        histograms.record_ms("known", rng.uniform(1.0, 9.0))
    for _ in range(1000):
        histograms.record_ms("batch", rng.uniform(5.0, 13.0))
    histograms.record_ms("batch", 5000.0)  # one outlier past p99.9
    doc = {"format": HDR_FORMAT, "unit": "us", "histograms": histograms.encode()}
    ReportsLayout(reports).load.histograms.write_text(json.dumps(doc))
    found = read_load(reports).histogram
    assert found is not None
    assert "load/histograms.json (4001 requests" in found.source
    assert sum(b.requests for b in found.bins) == 4001
    assert found.bins[0].low_ms == pytest.approx(1.0, abs=0.01)
    assert found.bins[-1].high_ms < 14  # the outlier does not stretch the axis...
    assert "up to the slowest, 5e+03 ms" in found.bins[-1].label  # ...it is counted in the last bin


@pytest.mark.parametrize(
    ("doc", "why"),
    [
        (
            {"format": HDR_FORMAT, "histograms": {"known": "@@@"}},
            "histogram 'known' does not decode (HdrLengthException)",
        ),
        (
            {"format": HDR_FORMAT, "unit": "ms", "histograms": {}},
            "unit is 'ms', expected 'us' (the histograms record microseconds)",
        ),
        ({"format": "hlog", "histograms": {}}, "format is 'hlog', expected 'hdrhistogram-compressed-base64'"),
        ({"format": HDR_FORMAT, "histograms": {}}, "no histograms in it"),
    ],
)
def test_a_bad_hdr_file_falls_back_to_the_percentiles(
    reports: Path, doc: dict[str, object], why: str
) -> None:
    ReportsLayout(reports).load.histograms.write_text(json.dumps(doc))
    part = read_load(reports)
    assert part.histogram is not None and "summary.json" in part.histogram.source
    assert [p.text() for p in part.problems] == [f"could not read load/histograms.json: {why}"]


def test_the_latency_series_skip_na_and_per_name_rows(reports: Path) -> None:
    part = read_load(reports)
    assert [s.name for s in part.latency_over_time] == ["p50", "p95", "p99"]
    assert [len(s.points) for s in part.latency_over_time] == [11, 11, 11]
    assert part.latency_over_time[0].points[0] == (1.0, 51.0)  # seconds from the first row
    assert part.ran.started == 1796115918 and part.ran.ended == 1796115929


def test_probe_runs_are_grouped_by_channel_in_order(reports: Path) -> None:
    part = read_probe(reports)
    assert list(part.runs) == ["SMS", "RCS"]
    assert [r.outcome for r in part.runs["SMS"]] == ["delivered", "delivered", "error"]
    assert [r.outcome for r in part.runs["RCS"]] == ["delivered", "stuck", "interrupted"]
    assert [(s.status, s.at_s) for s in part.runs["SMS"][0].statuses] == [
        ("SENT", 0.0),
        ("RECEIVED", 2.0),
        ("DELIVERED", 4.0),
    ]
    assert [(r.kind, r.outcome) for r in part.late] == [("late", "expired")]
    assert part.verdict is Verdict.FAILED


def test_a_history_with_only_interrupted_runs_is_not_run(tmp_path: Path) -> None:
    (tmp_path / "probe").mkdir()
    record = {"type": "run", "channel": "SMS", "outcome": "interrupted", "statuses": []}
    (tmp_path / "probe" / "history.jsonl").write_text(json.dumps(record) + "\n")
    assert read_probe(tmp_path).verdict is Verdict.NOT_RUN


def test_only_the_tail_of_a_long_history_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "probe").mkdir()
    line = json.dumps({"type": "run", "channel": "SMS", "outcome": "delivered", "run_id": "r"})
    (tmp_path / "probe" / "history.jsonl").write_text((line + "\n") * 100)
    monkeypatch.setattr(probe_source, "TAIL_BYTES", len(line) * 10)
    part = read_probe(tmp_path)
    assert part.truncated and part.problems == () and 8 <= len(part.runs["SMS"]) <= 10
