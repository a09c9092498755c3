"""The files the page links to: the Allure report, JUnit XML, Locust's report and the raw data.

Hrefs are relative to index.html, so the folder can be published or moved as a whole.
"""

from __future__ import annotations

from pathlib import Path

from gatewatch.report.model import Link

ALLURE_REPORT = "allure-report"
ALLURE_RESULTS = "allure-results"
JUNIT_FILE = "junit.xml"
LOCUST_HTML = "load/locust.html"
RAW_FILES = (
    ("contract suite summary", "summary.json"),
    ("load test summary", "load/summary.json"),
    ("Locust statistics over time", "load/locust_stats_history.csv"),
    ("probe history", "probe/history.jsonl"),
)


def read_links(reports_dir: Path) -> tuple[Link, ...]:
    """A link for each report file present; a note saying what is missing otherwise."""
    return (_allure(reports_dir), *(_file(reports_dir, label, href, note) for label, href, note in _FILES))


def raw_links(reports_dir: Path) -> tuple[Link, ...]:
    """The raw data files the page was built from, those that exist."""
    return tuple(Link(label=label, href=href) for label, href in RAW_FILES if (reports_dir / href).is_file())


_FILES = (
    ("JUnit XML", JUNIT_FILE, "not written (the contract suite did not run)"),
    ("Locust's report", LOCUST_HTML, "not written (the load test did not run)"),
)


def _allure(reports_dir: Path) -> Link:
    if (reports_dir / ALLURE_REPORT / "index.html").is_file():
        return Link(
            label="Allure report",
            href=f"{ALLURE_REPORT}/index.html",
            note=f"serve it to view it: allure open {ALLURE_REPORT}",
        )
    if (reports_dir / ALLURE_RESULTS).is_dir():
        return Link(
            label="Allure results",
            href=f"{ALLURE_RESULTS}/",
            note="raw results; gatewatch report --allure builds the HTML report",
        )
    return Link(label="Allure report", href=None, note="not written (the contract suite did not run)")


def _file(reports_dir: Path, label: str, href: str, missing: str) -> Link:
    if (reports_dir / href).is_file():
        return Link(label=label, href=href)
    return Link(label=label, href=None, note=missing)
