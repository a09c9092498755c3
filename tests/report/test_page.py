"""reports/index.html built from a reports folder: verdicts, failures, rules, links, charts, escaping."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from gatewatch.report import build_index, render_index
from tests.report.conftest import BASE_URL, CURL, write_load, write_probe, write_suite

SVG = re.compile(r"<svg\b.*?</svg>", re.S)
NS = "{http://www.w3.org/2000/svg}"


def overview_row(page: str, part: str) -> str:
    """The overview table's row for `part` (its link text)."""
    match = re.search(rf'<tr><th scope="row"><a href="#\w+">{part}</a></th>.*?</tr>', page, re.S)
    assert match, f"no overview row for {part}"
    return match.group(0)


def section(page: str, ident: str) -> str:
    match = re.search(rf'<section id="{ident}".*?</section>', page, re.S)
    assert match, f"no section {ident}"
    return match.group(0)


def test_build_index_writes_the_page_and_returns_its_path(reports: Path) -> None:
    path = build_index(reports)
    assert path == reports / "index.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list(reports.glob(".index.html*")), "the partial file is left behind"


def test_each_part_has_its_verdict_target_and_time_in_the_overview(reports: Path) -> None:
    page = render_index(reports)
    suite = overview_row(page, "Contract suite")
    assert "FAILED" in suite and "local (local)" in suite and BASE_URL in suite
    assert "2026-12-01 09:02:13 to 09:02:16 UTC" in suite
    load = overview_row(page, "Load test")
    assert "FAILED" in load and "http://127.0.0.1:18081/api" in load and "2026-12-01 09:05:18" in load
    probe = overview_row(page, "Synthetic probe")
    assert "FAILED" in probe and ">local<" in probe and "2026-12-01 09:06:42" in probe
    # Verdicts are words as well as colours.
    assert '<span class="verdict failed">FAILED</span>' in suite


def test_passing_parts_say_passed(tmp_path: Path) -> None:
    write_suite(tmp_path, result="passed")
    write_load(tmp_path, passed=True)
    write_probe(tmp_path, all_delivered=True)
    page = render_index(tmp_path)
    for part in ("Contract suite", "Load test", "Synthetic probe"):
        assert '<span class="verdict passed">PASSED</span>' in overview_row(page, part), part
    assert "Failed rules" not in page


def test_the_dialect_is_shown_or_said_to_be_unrecorded(reports: Path) -> None:
    assert "<td>vendor</td>" in overview_row(render_index(reports), "Contract suite")
    # An older summary.json records no dialect: the page says so, and which contracts it used.
    summary = reports / "summary.json"
    doc = json.loads(summary.read_text())
    del doc["dialect"], doc["contracts"]
    summary.write_text(json.dumps(doc))
    page = render_index(reports)
    assert "<td>not recorded</td>" in overview_row(page, "Contract suite")
    assert "not recorded (contracts: /srv/gatewatch/contracts)" in section(page, "contract")


def test_failed_rules_carry_provenance_replay_lines_request_answer_and_curl(reports: Path) -> None:
    suite = section(render_index(reports), "contract")
    failed = suite.split("<h3>Failed rules (2)</h3>", 1)[1].split("<h3>", 1)[0]
    assert "<code>error_body</code>" in failed and "<code>send_accepted</code>" in failed
    # The vendor page comes from the violation's headline; summary.json only says "vendor".
    assert '<span class="provenance">vendor: llms-full.txt</span>' in failed
    assert '<span class="provenance">documented</span>' in failed
    assert "gatewatch contract --seed 7 -k &#x27;test_sent_id_is_found_on_its_channel and SMS&#x27;" in failed
    assert "gatewatch contract --seed 7</code>" in suite  # the whole run's replay line
    assert f"POST {BASE_URL}/partner-gateway/v1/sms/messages" in failed  # the request
    assert "X-Api-Key: ***" in failed  # redacted as recorded, never anything else
    assert "401 after 1.2 ms" in failed  # the answer
    assert CURL.replace("'", "&#x27;").replace('"', "&quot;") in failed


def test_a_failure_that_broke_no_rule_is_listed_apart(reports: Path) -> None:
    suite = section(render_index(reports), "contract")
    others = suite.split("Failed tests that broke no rule (1)", 1)[1].split("<h3>", 1)[0]
    assert "test_valid_send_is_accepted_with_an_id[RCS]" in others and "KeyError: &#x27;text&#x27;" in others


def test_the_rule_table_has_every_rule_status_and_count(reports: Path) -> None:
    suite = section(render_index(reports), "contract")
    table = suite.split("<h3>Rules (6)</h3>", 1)[1]
    rows = {
        m[1]: m[0] for m in re.finditer(r"<tr><th scope=\"row\"><code>(\w+)</code></th>.*?</tr>", table, re.S)
    }
    assert set(rows) == {
        "error_body",
        "send_accepted",
        "status_in_enum",
        "echo_id",
        "updated_at_monotonic",
        "rate_limit_enforced",
    }
    assert '<span class="status failed">failed</span>' in rows["error_body"] and ">154<" in rows["error_body"]
    assert ">52<" in rows["error_body"]
    assert '<span class="status passed">passed</span>' in rows["status_in_enum"]
    assert '<span class="status not-run">not exercised</span>' in rows["updated_at_monotonic"]
    assert "skipped: switched off with --skip-rule" in rows["rate_limit_enforced"]
    assert '<th scope="col">provenance</th>' in table


def test_html_in_an_answer_body_is_escaped(reports: Path) -> None:
    page = render_index(reports)
    assert "<script>" not in page and "<key>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;key&gt; &amp;" in page


def test_load_shows_percentiles_throughput_errors_and_throttling(reports: Path) -> None:
    load = section(render_index(reports), "load")
    kinds = load.split("<h3>Requests by kind</h3>", 1)[1].split("</table>", 1)[0]
    for header in ("p50 ms", "p90 ms", "p95 ms", "p99 ms", "p99.9 ms", "max ms", "throttled (429)"):
        assert f">{header}<" in kinds, header
    assert 'title="/partner-gateway/v1/messages/status (batch)">batch</span>' in kinds
    known = re.search(r'<tr><th scope="row"><span title="[^"]*">known</span>.*?</tr>', kinds, re.S)
    assert known
    cells = re.findall(r'<td class="num">([^<]*)</td>', known.group(0))
    assert cells[:4] == ["3,412", "98", "12", "170"]  # requests, failures, throttled, warm-up
    assert cells[4] == "51.30"  # p50
    assert "17 (0.35% of the requests offered); not counted as failures" in load
    assert "130.5 requests/s" in load
    assert "failure ratio" in load and '<span class="status failed">FAIL</span>' in load
    assert "[sent_id_found (documented)] a sent id on its channel: expected 200, got 500" in load
    assert ">104<" in load


def test_an_older_load_summary_without_throttled_counts_says_not_recorded(reports: Path) -> None:
    summary = reports / "load" / "summary.json"
    doc = json.loads(summary.read_text())
    for row in (*doc["kinds"].values(), doc["all"]):
        del row["throttled"]
    del doc["throttled"]
    summary.write_text(json.dumps(doc))
    load = section(render_index(reports), "load")
    known = re.search(r'<tr><th scope="row"><span title="[^"]*">known</span>.*?</tr>', load, re.S)
    assert known and '<td class="num">not recorded</td>' in known.group(0)
    assert "<dt>throttled (429)</dt>" not in load


def test_every_chart_is_well_formed_svg_with_data_points_and_axis_labels(reports: Path) -> None:
    page = render_index(reports)
    charts = SVG.findall(page)
    titles = [ET.fromstring(svg).find(f"{NS}title") for svg in charts]
    names = [t.text for t in titles if t is not None]
    assert names == [
        "Latency over time",
        "Request rate over time",
        "Latency histogram, all measured requests",
        "Time to the final status per run",
        "SMS: time to each status, last 3 runs",
        "RCS: time to each status, last 3 runs",
    ]
    for svg in charts:
        root = ET.fromstring(svg)
        points = root.findall(f".//{NS}circle[@class='point']") + root.findall(f".//{NS}rect[@class='bar']")
        assert points, f"no data point in {root.findtext(f'{NS}title')}"
        texts = [t.text for t in root.iter(f"{NS}text")]
        assert "no data points" not in texts
        assert len(texts) >= 4, "axis tick labels and titles"
    latency = ET.fromstring(charts[0])
    # 11 numeric Aggregated rows of the history, 3 series; the N/A row and per-name rows are left out.
    assert len(latency.findall(f".//{NS}circle[@class='point']")) == 3 * 11
    assert {t.text for t in latency.iter(f"{NS}text")} >= {"seconds into the run", "latency (ms)"}
    histogram = ET.fromstring(charts[2])
    # Edges at min, p50, p90, p95, p99, p99.9 and max: six bins.
    assert len(histogram.findall(f".//{NS}rect[@class='bar']")) == 6
    sms = ET.fromstring(charts[4])
    assert len(sms.findall(f".//{NS}circle[@class='point']")) == 3 + 3 + 2  # two delivered runs, one error


def test_the_probe_shows_the_latest_outcome_per_channel_and_later_settlements(reports: Path) -> None:
    probe = section(render_index(reports), "probe")
    latest = probe.split("Latest run per channel", 1)[1].split("</table>", 1)[0]
    sms = re.search(r'<tr><th scope="row">SMS</th>.*?</tr>', latest, re.S)
    rcs = re.search(r'<tr><th scope="row">RCS</th>.*?</tr>', latest, re.S)
    assert sms and '<span class="status failed">error</span>' in sms.group(0)
    assert "ERROR after 2.00 s" in sms.group(0) and "Carrier rejected the message" in sms.group(0)
    # An interrupted run is not a verdict: the latest concluded RCS run is the stuck one.
    assert rcs and "stuck" in rcs.group(0) and "still UNKNOWN at the 8 s deadline" in rcs.group(0)
    assert "Messages settled or given up on by later runs" in probe and "EXPIRED" in probe


def test_links_point_at_the_files_that_exist(reports: Path) -> None:
    files = section(render_index(reports), "files")
    assert '<a href="allure-results/">Allure results</a>' in files
    assert "gatewatch report --allure builds the HTML report" in files
    assert '<a href="junit.xml">JUnit XML</a>' in files
    assert '<a href="load/locust.html">Locust&#x27;s report</a>' in files
    (reports / "allure-report").mkdir()
    (reports / "allure-report" / "index.html").write_text("<!DOCTYPE html>")
    assert '<a href="allure-report/index.html">Allure report</a>' in section(render_index(reports), "files")


def test_parts_that_did_not_run_say_not_run_and_are_no_failure(tmp_path: Path) -> None:
    write_probe(tmp_path, all_delivered=True)
    page = render_index(tmp_path)
    for part in ("Contract suite", "Load test"):
        row = overview_row(page, part)
        assert '<span class="verdict not-run">NOT RUN</span>' in row and "FAILED" not in row
    assert "Not run: this folder has no summary.json" in section(page, "contract")
    assert "Not run: this folder has no load/summary.json" in section(page, "load")
    assert "PASSED" in overview_row(page, "Synthetic probe")
    files = section(page, "files")
    assert "JUnit XML: not written" in files and "Allure report: not written" in files


def test_an_empty_folder_gives_a_page_of_not_run(tmp_path: Path) -> None:
    page = render_index(tmp_path)
    # Three parts, each in the lead, the overview and its own section heading.
    assert page.count('<span class="verdict not-run">NOT RUN</span>') == 9
    assert "<svg" not in page


def test_the_page_is_a_pure_function_of_the_folder(reports: Path, tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere" / "copy"
    shutil.copytree(reports, copy)
    first = render_index(reports)
    assert render_index(reports) == first
    assert render_index(copy) == first  # no absolute path of the folder, no clock
    build_index(reports)
    assert render_index(reports) == first  # index.html itself is not an input


def test_the_page_fetches_nothing(reports: Path) -> None:
    page = render_index(reports)
    assert "default-src 'none'" in page  # the browser enforces it
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert not re.search(r'\bsrc="', page)
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(not h.startswith(("http:", "https:", "//")) for h in hrefs), hrefs


def test_the_page_is_accessible_structure(reports: Path) -> None:
    page = render_index(reports)
    assert '<html lang="en">' in page and page.count("<h1>") == 1
    for ident in ("overview", "contract", "load", "probe", "files"):
        assert f'<section id="{ident}" aria-labelledby="{ident}-h"><h2 id="{ident}-h">' in page
    assert page.count('<th scope="col">') > 20
    for svg in SVG.findall(page):
        assert 'role="img"' in svg and "aria-labelledby=" in svg and "<desc" in svg


def test_the_suite_facts_include_429s_and_the_budget(reports: Path) -> None:
    suite = section(render_index(reports), "contract")
    assert "<dt>429s seen</dt><dd>3 (waited 1.2 s)</dd>" in suite
    assert "<dt>budget</dt><dd>profile ci: 25 examples per property</dd>" in suite
    assert "<dt>tests</dt><dd>53 passed, 2 failed, 0 skipped</dd>" in suite
