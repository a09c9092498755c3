"""Builds reports/index.html from a reports folder: read every part, render, write atomically.

`render_index` is a pure function of the folder's contents (no clock, no environment, no
absolute paths on the page), so rebuilding from the same files gives the same page.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from gatewatch.core.errors import ConfigError
from gatewatch.core.reports_layout import ReportsLayout
from gatewatch.report.links import raw_links, read_links
from gatewatch.report.load_source import read_load
from gatewatch.report.model import LoadPart, ProbePart, Report, SuitePart, Verdict
from gatewatch.report.page import render
from gatewatch.report.probe_source import read_probe
from gatewatch.report.run_source import read_interrupted
from gatewatch.report.suite_source import read_suite


def read_reports(reports_dir: Path) -> Report:
    """Everything the page shows, read from `reports_dir` (parts that did not run say so).

    A part `gatewatch run` says it interrupted is shown as interrupted, whatever its own
    (partial, or older) files say.
    """
    stopped = read_interrupted(reports_dir)
    return Report(
        suite=_part(read_suite(reports_dir), stopped.get("contract")),
        load=_part(read_load(reports_dir), stopped.get("load")),
        probe=_part(read_probe(reports_dir), stopped.get("probe")),
        links=read_links(reports_dir),
        raw=raw_links(reports_dir),
    )


Part = TypeVar("Part", SuitePart, LoadPart, ProbePart)


def _part(part: Part, interrupted: str | None) -> Part:
    if interrupted is None:
        return part
    return replace(part, verdict=Verdict.INTERRUPTED, interrupted=interrupted)


def render_index(reports_dir: Path) -> str:
    """The page for `reports_dir`, as HTML text."""
    return render(read_reports(reports_dir))


def build_index(reports_dir: Path | str) -> Path:
    """Write `reports_dir/index.html` and return its path; ConfigError when the folder is missing."""
    folder = Path(reports_dir)
    if not folder.is_dir():
        why = "is not a folder" if folder.exists() else "does not exist"
        raise ConfigError(
            f"the reports folder {folder} {why} (run a gatewatch command first, or pass --reports-dir)"
        )
    html = render_index(folder)
    layout = ReportsLayout(folder)
    path, partial = layout.page, layout.page_partial
    try:
        partial.write_text(html, encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
