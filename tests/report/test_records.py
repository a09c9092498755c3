"""The records of a reports folder: one type per file, versioned, read back naming any field that is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatewatch.core.records import RecordError, decode, encode
from gatewatch.core.records.load_summary import LoadSummary
from gatewatch.core.records.probe_history import RunLine, read_lines
from gatewatch.core.records.suite_summary import SuiteSummary
from gatewatch.report import Verdict, read_reports
from tests.report.conftest import DELIVERED_PATH, load_summary, probe_records, probe_run, suite_summary


def test_files_written_before_the_version_field_read_as_version_1() -> None:
    # The report's fixtures are copies of real files from before `version`: every field reads.
    suite = decode(SuiteSummary, suite_summary())
    load = decode(LoadSummary, load_summary())
    assert (suite.record.version, suite.problems) == (1, ())
    assert (load.record.version, load.problems) == (1, ())
    read = read_lines(json.dumps(r).encode() for r in probe_records())
    assert (read.skipped, read.damaged) == ((), ())
    assert [line.type for line in read.lines] == ["sent", "run", "run", "run", "run", "run", "run", "late"]


@pytest.mark.parametrize(("path", "key"), [("summary.json", "version"), ("load/summary.json", "version")])
def test_a_summary_of_a_newer_version_is_refused_in_one_line(reports: Path, path: str, key: str) -> None:
    file = reports / path
    doc = json.loads(file.read_text())
    doc[key] = 2
    file.write_text(json.dumps(doc))
    parts = read_reports(reports)
    part = parts.suite if path == "summary.json" else parts.load
    assert part.verdict is Verdict.UNREADABLE
    assert part.problems[0].text() == (
        f"could not read {path}: version: expected version 1, found 2 (written by a newer gatewatch?)"
    )


@pytest.mark.parametrize("version", ["1", 0, None, True])
def test_a_version_that_is_not_one_we_know_is_refused(version: object) -> None:
    with pytest.raises(RecordError) as caught:
        decode(SuiteSummary, {**suite_summary(), "version": version})
    assert str(caught.value) == f"version: expected version 1, found {version!r}"


def test_a_history_line_of_a_newer_version_is_skipped_and_named() -> None:
    newer = {**probe_run("SMS", "2026-12-01T09:06:42.000Z", "delivered", DELIVERED_PATH, final=None), "v": 2}
    read = read_lines([json.dumps(probe_records()[1]).encode(), json.dumps(newer).encode()])
    assert len(read.lines) == 1
    assert read.skipped == ("line 2: v: expected version 1, found 2 (written by a newer gatewatch?)",)


def test_a_missing_field_a_record_needs_names_the_field() -> None:
    run = probe_run("SMS", "2026-12-01T09:06:42.000Z", "delivered", DELIVERED_PATH, final=None)
    del run["channel"]
    with pytest.raises(RecordError) as caught:
        decode(RunLine, run)
    assert str(caught.value) == "channel: expected a string, found no such field"


def test_a_mistyped_field_reads_as_none_and_is_named_with_what_was_expected(reports: Path) -> None:
    path = reports / "summary.json"
    doc = json.loads(path.read_text())
    doc["requests"] = "many"
    doc["rules"]["echo_id"]["checks"] = None
    path.write_text(json.dumps(doc))
    part = read_reports(reports).suite
    assert part.requests is None and part.verdict is Verdict.FAILED
    assert part.problems[0].text() == (
        "could not read summary.json: requests: expected an integer, found a string (and 1 more field(s))"
    )
    decoded = decode(SuiteSummary, doc)
    assert [str(p) for p in decoded.problems][1] == "rules.echo_id.checks: expected an integer, found null"
    assert decoded.record.rules["echo_id"].checks == 0


def test_a_nested_array_item_is_named_by_its_index() -> None:
    run = probe_run("SMS", "2026-12-01T09:06:42.000Z", "delivered", (("SENT", 0.0, 0.1),), final=None)
    run["statuses"].append({"status": "DELIVERED", "at_s": "soon"})
    decoded = decode(RunLine, run)
    assert [s.status for s in decoded.record.statuses] == ["SENT"]  # the item alone is left out
    assert decoded.summary() == "statuses[1].at_s: expected a number, found a string"


def test_encode_keeps_the_json_names_and_decode_reads_them_back() -> None:
    doc = load_summary()
    record = decode(LoadSummary, doc).record
    assert record.every_kind is not None and record.every_kind.requests == doc["all"]["requests"]
    assert record.gates[0].name == doc["gates"][0]["gate"]
    again = encode(record)
    assert (
        again["all"]["requests"] == doc["all"]["requests"]
        and again["gates"][0]["gate"] == "latency known p95"
    )
    assert decode(LoadSummary, again).record == record
