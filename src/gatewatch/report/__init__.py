"""The HTML report people read: reports/index.html, built from what the commands wrote there.

::

    build_index(reports_dir) -> Path      write reports_dir/index.html (ConfigError: no such folder)
    render_index(reports_dir) -> str      the page as text: a pure function of the folder's files
    read_reports(reports_dir) -> Report   the result model the page is rendered from
    build_allure(reports_dir) -> Path     allure-results/ -> allure-report/ with the allure tool

Layers, imports pointing down only::

    build       read every part, render, write          allure   the Allure command-line tool
    page        the document: overview, sections, links (string.Template, inline CSS)
    *_page      one section per part (suite, load, probe)
    charts      line chart, histogram, timeline: pure functions returning SVG
    markup      escaping, tables, badges
    *_source    one reader per part (suite, load, probe) and links: files -> model
    model       the result model          _read     untrusted JSON and CSV -> values or Unreadable

The readers read files only, never the engines' modules: the page can be rebuilt after the
fact by a CI job, and a part that did not run, or a file that does not parse, is shown as
such rather than raised.
"""

from __future__ import annotations

from gatewatch.report.allure import build_allure, find_allure
from gatewatch.report.build import build_index, read_reports, render_index
from gatewatch.report.model import Report, Verdict

__all__ = [
    "Report",
    "Verdict",
    "build_allure",
    "build_index",
    "find_allure",
    "read_reports",
    "render_index",
]
