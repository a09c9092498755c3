"""A malformed input file is one line on the page ("could not read X: why"), never a traceback."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from gatewatch.report import Verdict, read_reports, render_index


def problem_lines(page: str) -> list[str]:
    """The page's "could not read" lines, unescaped."""
    return [html.unescape(line) for line in re.findall(r"<li>(could not read [^<]*)</li>", page)]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b'{"tool": "gatewatch", "result": ', "not JSON: Expecting value at line 1 column 33"),
        (b"[1, 2]", "expected a JSON object, found an array"),
        (b"\xff\xfe{}", "not UTF-8 text (byte 0)"),
        (b'{"result": "maybe", "rules": {}}', "result is 'maybe', not passed or failed"),
    ],
)
def test_a_bad_suite_summary_is_named_with_the_reason(reports: Path, content: bytes, why: str) -> None:
    (reports / "summary.json").write_bytes(content)
    page = render_index(reports)
    assert f"could not read summary.json: {why}" in problem_lines(page)
    assert read_reports(reports).suite.verdict is Verdict.UNREADABLE
    assert '<span class="verdict unreadable">COULD NOT READ</span>' in page
    # The other parts are unaffected.
    assert read_reports(reports).load.verdict is Verdict.FAILED


def test_a_bad_load_summary_keeps_the_charts_from_locusts_files(reports: Path) -> None:
    (reports / "load" / "summary.json").write_text("null")
    page = render_index(reports)
    assert "could not read load/summary.json: expected a JSON object, found null" in problem_lines(page)
    assert "Latency over time" in page


def test_a_load_summary_without_a_verdict_is_unreadable_not_failed(reports: Path) -> None:
    path = reports / "load" / "summary.json"
    doc = json.loads(path.read_text())
    del doc["passed"]
    path.write_text(json.dumps(doc))
    part = read_reports(reports).load
    assert part.verdict is Verdict.UNREADABLE
    assert part.problems[0].text() == "could not read load/summary.json: passed is None, not true or false"


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("locust_stats_history.csv", "Timestamp,Name\n1,Aggregated\n", "no column '50%', '95%'"),
        ("locust_failures.csv", "Method,Name\n", "no column 'Error', 'Occurrences' in the header"),
    ],
)
def test_a_locust_csv_without_its_columns_is_named(reports: Path, name: str, content: str, why: str) -> None:
    (reports / "load" / name).write_text(content)
    lines = problem_lines(render_index(reports))
    assert any(line.startswith(f"could not read load/{name}: {why}") for line in lines), lines


def test_bad_history_lines_are_counted_and_the_rest_is_read(reports: Path) -> None:
    path = reports / "probe" / "history.jsonl"
    lines = path.read_bytes().splitlines()
    path.write_bytes(
        b"\n".join([lines[0], b'{"type": "run", "chan', b"[1]", b"\xff\xfe", *lines[1:]]) + b"\n"
    )
    part = read_reports(reports).probe
    assert [p.text() for p in part.problems] == [
        "could not read probe/history.jsonl: 3 line(s) skipped: line 2: not JSON (JSONDecodeError)"
    ]
    assert part.verdict is Verdict.FAILED and sum(len(r) for r in part.runs.values()) == 6


def test_a_history_that_is_a_folder_is_not_a_run(reports: Path) -> None:
    path = reports / "probe" / "history.jsonl"
    path.unlink()
    path.mkdir()
    assert read_reports(reports).probe.verdict is Verdict.NOT_RUN


def test_a_broken_allure_file_is_named_and_the_summary_still_shows(reports: Path) -> None:
    results = reports / "allure-results"
    (results / "ffff-result.json").write_text("{")
    (results / "0f00-attachment.json").unlink()
    page = render_index(reports)
    lines = problem_lines(page)
    assert (
        "could not read allure-results/ffff-result.json: not JSON: Expecting property name enclosed in "
        "double quotes at line 1 column 2" in lines
    )
    assert "could not read allure-results/0f00-attachment.json: No such file or directory" in lines
    # Without the attachment the page falls back to the curl lines summary.json keeps.
    assert "The answers are not in this folder" in page


def test_an_attachment_path_outside_the_results_is_never_followed(reports: Path, tmp_path: Path) -> None:
    secret = tmp_path / "outside.json"
    secret.write_text(
        json.dumps({"request": {"method": "GET", "url": "http://leak.example/"}, "response": {}})
    )
    result = reports / "allure-results" / "aaaa0000-0000-4000-8000-000000000001-result.json"
    doc = json.loads(result.read_text())
    doc["steps"][0]["attachments"][0]["source"] = str(secret)
    result.write_text(json.dumps(doc))
    assert "leak.example" not in render_index(reports)


def test_fields_of_the_wrong_type_show_as_dashes_not_errors(reports: Path) -> None:
    path = reports / "summary.json"
    doc = json.loads(path.read_text())
    doc["requests"] = "many"
    doc["rules"]["echo_id"]["checks"] = None
    doc["failures"] = {"not": "a list"}
    doc["target"] = 7
    path.write_text(json.dumps(doc))
    part = read_reports(reports).suite
    assert part.verdict is Verdict.FAILED and part.requests is None and part.failures == ()
    assert part.target.name is None
    assert "<dt>requests</dt>" not in render_index(reports)
