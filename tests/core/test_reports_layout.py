"""One place for each file name: the reports folder's files are named in gatewatch.core.reports_layout only.

The suite, the load test, the probe, `gatewatch run` and the report page write and read the
same folder. This scans every other module's AST for a string constant that is one of the
layout's file names (alone, in a path like `load/summary.json`, or in a message), so a
name spelled again outside the layout fails here instead of drifting apart from the writer.
The folder words (`load`, `probe`, `run`) are also the parts' names and section ids, so only
names with a `.` or `-` in them are scanned for. Docstrings are prose and are not scanned.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from gatewatch.core.reports_layout import RELATIVE, LoadFiles, ReportsLayout
from tests.core.ast_scan import docstring_ids

SRC = Path(__file__).resolve().parents[2] / "src" / "gatewatch"
LAYOUT = SRC / "core" / "reports_layout.py"


def layout_names() -> set[str]:
    """The layout module's own name constants (`_SUMMARY = "summary.json"` and the like)."""
    names: set[str] = set()
    for node in ast.parse(LAYOUT.read_text()).body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            and all(isinstance(t, ast.Name) and t.id.startswith("_") for t in node.targets)
        ):
            names.add(node.value.value)
    return {name for name in names if "." in name or "-" in name}


NAMES = layout_names()
# A name as a word of its own: not inside a longer name (`.allure-report-` is a temp prefix).
SPELLED = re.compile(
    "|".join(rf"(?<![\w-]){re.escape(name)}(?![\w-])" for name in sorted(NAMES, key=len, reverse=True))
)


def file_names(path: Path) -> Iterator[tuple[int, str]]:
    """(line, value) of every string constant in `path` that spells a layout file name."""
    tree = ast.parse(path.read_text())
    skip = docstring_ids(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str) or id(node) in skip:
            continue
        if SPELLED.search(node.value):
            yield node.lineno, node.value


MODULES = sorted(p for p in SRC.rglob("*.py") if p != LAYOUT)


def test_the_layout_names_the_files_the_scan_looks_for() -> None:
    # The scan is only as good as this set: an empty or short one would pass everything.
    assert {"summary.json", "junit.xml", "allure-results", "index.html", "history.jsonl"} <= NAMES
    assert {"histograms.json", "locust.html", ".progress.jsonl", ".log"} <= NAMES


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(SRC)) for p in MODULES])
def test_no_reports_file_name_is_spelled_outside_the_layout(path: Path) -> None:
    found = list(file_names(path))
    assert not found, (
        f"{path.relative_to(SRC)} spells reports file names (use gatewatch.core.reports_layout): "
        + (", ".join(f"line {line}: {value!r}" for line, value in found))
    )


def test_the_scan_finds_a_file_name_that_creeps_back(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Docstrings may say summary.json."""\n'
        'SUMMARY = "summary.json"\n'
        'HREF = "load/summary.json"\n'
        'LOG = f"{part}.log"\n'
        'SECTION = "load"\n'
        'PROSE = "Not run: no probe/history.jsonl."\n'
        'TEMP = ".allure-report-"\n'
    )
    found = sorted(file_names(sample))
    assert found == [
        (2, "summary.json"),
        (3, "load/summary.json"),
        (4, ".log"),
        (6, "Not run: no probe/history.jsonl."),
    ]


def test_the_paths_are_where_the_writers_always_put_them(tmp_path: Path) -> None:
    # The layout moved names, not files: these are the paths existing reports folders have.
    layout = ReportsLayout(tmp_path)
    assert layout.suite_summary == tmp_path / "summary.json"
    assert layout.junit == tmp_path / "junit.xml"
    assert layout.allure_results == tmp_path / "allure-results"
    assert layout.allure_environment == tmp_path / "allure-results" / "environment.properties"
    assert layout.allure_page == tmp_path / "allure-report" / "index.html"
    assert layout.load_dir == tmp_path / "load"
    assert layout.load_summary == tmp_path / "load" / "summary.json"
    assert layout.load == LoadFiles(tmp_path / "load")
    assert layout.load.histograms == tmp_path / "load" / "histograms.json"
    assert layout.load.csv_prefix == tmp_path / "load" / "locust"
    assert layout.load.html == tmp_path / "load" / "locust.html"
    assert layout.load.stats_history == tmp_path / "load" / "locust_stats_history.csv"
    assert layout.load.failures == tmp_path / "load" / "locust_failures.csv"
    assert layout.probe_history == tmp_path / "probe" / "history.jsonl"
    assert layout.run_summary == tmp_path / "run" / "summary.json"
    assert layout.part_log("load") == tmp_path / "run" / "load.log"
    assert layout.part_feed("probe") == tmp_path / "run" / "probe.progress.jsonl"
    assert layout.page == tmp_path / "index.html"
    assert layout.page_partial == tmp_path / ".index.html.partial"
    assert layout.relative(layout.load_summary) == RELATIVE.load_summary.as_posix() == "load/summary.json"
