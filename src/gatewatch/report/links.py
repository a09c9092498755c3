"""The files the page links to: the Allure report, JUnit XML, Locust's report and the raw data.

Hrefs are relative to index.html, so the folder can be published or moved as a whole.
"""

from __future__ import annotations

from pathlib import Path

from gatewatch.core.reports_layout import RELATIVE, ReportsLayout
from gatewatch.report.model import Link

RAW_FILES = (
    ("contract suite summary", RELATIVE.suite_summary.as_posix()),
    ("load test summary", RELATIVE.load_summary.as_posix()),
    ("Locust statistics over time", RELATIVE.load.stats_history.as_posix()),
    ("probe history", RELATIVE.probe_history.as_posix()),
)


def read_links(reports_dir: Path) -> tuple[Link, ...]:
    """A link for each report file present; a note saying what is missing otherwise."""
    return (_allure(reports_dir), *(_file(reports_dir, label, href, note) for label, href, note in _FILES))


def raw_links(reports_dir: Path) -> tuple[Link, ...]:
    """The raw data files the page was built from, those that exist."""
    return tuple(Link(label=label, href=href) for label, href in RAW_FILES if (reports_dir / href).is_file())


_FILES = (
    ("JUnit XML", RELATIVE.junit.as_posix(), "not written (the contract suite did not run)"),
    ("Locust's report", RELATIVE.load.html.as_posix(), "not written (the load test did not run)"),
)


def _allure(reports_dir: Path) -> Link:
    layout = ReportsLayout(reports_dir)
    if layout.allure_page.is_file():
        return Link(
            label="Allure report",
            href=RELATIVE.allure_page.as_posix(),
            note=f"serve it to view it: allure open {RELATIVE.allure_report.as_posix()}",
        )
    if layout.allure_results.is_dir():
        return Link(
            label="Allure results",
            href=f"{RELATIVE.allure_results.as_posix()}/",
            note="raw results; gatewatch report --allure builds the HTML report",
        )
    return Link(label="Allure report", href=None, note="not written (the contract suite did not run)")


def _file(reports_dir: Path, label: str, href: str, missing: str) -> Link:
    if (reports_dir / href).is_file():
        return Link(label=label, href=href)
    return Link(label=label, href=None, note=missing)
