"""Every file and folder in a reports folder, named once.

The contract suite, the load test, the probe, `gatewatch run` and the report page all
write or read the same folder; each asks this module where a file is instead of spelling
its name. tests/core/test_reports_layout.py fails when one of these names is spelled
anywhere else in src/.

The load test is handed its own folder (`--gatewatch-load-dir`), so its files are named
from that folder by `LoadFiles`; `ReportsLayout(root).load` is the same thing seen from
the reports folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The names themselves. Only this module spells them.
_SUMMARY = "summary.json"
_JUNIT = "junit.xml"
_ALLURE_RESULTS = "allure-results"
_ALLURE_REPORT = "allure-report"
_ALLURE_ENVIRONMENT = "environment.properties"
_PAGE = "index.html"
_LOAD = "load"
_LOCUST_PREFIX = "locust"  # Locust's --csv prefix: it appends _stats.csv, _stats_history.csv, ...
_LOCUST_HTML = "locust.html"
_LOCUST_HISTORY = "locust_stats_history.csv"
_LOCUST_FAILURES = "locust_failures.csv"
_HISTOGRAMS = "histograms.json"
_PROBE = "probe"
_PROBE_HISTORY = "history.jsonl"
_RUN = "run"
_PART_LOG_SUFFIX = ".log"
_PART_FEED_SUFFIX = ".progress.jsonl"
_PARTIAL_SUFFIX = ".partial"


@dataclass(frozen=True)
class LoadFiles:
    """The load test's files in its own folder (REPORTS_DIR/load by default)."""

    folder: Path

    @property
    def summary(self) -> Path:
        return self.folder / _SUMMARY

    @property
    def histograms(self) -> Path:
        return self.folder / _HISTOGRAMS

    @property
    def csv_prefix(self) -> Path:
        """What Locust's --csv takes: it writes `<prefix>_stats_history.csv` and friends."""
        return self.folder / _LOCUST_PREFIX

    @property
    def html(self) -> Path:
        return self.folder / _LOCUST_HTML

    @property
    def stats_history(self) -> Path:
        return self.folder / _LOCUST_HISTORY

    @property
    def failures(self) -> Path:
        return self.folder / _LOCUST_FAILURES


@dataclass(frozen=True)
class ReportsLayout:
    """Each file's path in the reports folder `root`."""

    root: Path

    # The contract suite.
    @property
    def suite_summary(self) -> Path:
        return self.root / _SUMMARY

    @property
    def junit(self) -> Path:
        return self.root / _JUNIT

    @property
    def allure_results(self) -> Path:
        return self.root / _ALLURE_RESULTS

    @property
    def allure_environment(self) -> Path:
        """Allure's environment file inside the results: the target the suite ran against."""
        return self.allure_results / _ALLURE_ENVIRONMENT

    @property
    def allure_report(self) -> Path:
        """The HTML report `gatewatch report --allure` generates from the results."""
        return self.root / _ALLURE_REPORT

    @property
    def allure_page(self) -> Path:
        return self.allure_report / _PAGE

    # The load test.
    @property
    def load_dir(self) -> Path:
        return self.root / _LOAD

    @property
    def load(self) -> LoadFiles:
        return LoadFiles(self.load_dir)

    @property
    def load_summary(self) -> Path:
        return self.load.summary

    # The probe.
    @property
    def probe_dir(self) -> Path:
        return self.root / _PROBE

    @property
    def probe_history(self) -> Path:
        return self.probe_dir / _PROBE_HISTORY

    # `gatewatch run`'s own folder.
    @property
    def run_dir(self) -> Path:
        return self.root / _RUN

    @property
    def run_summary(self) -> Path:
        return self.run_dir / _SUMMARY

    def part_log(self, part: str) -> Path:
        """A part's captured output during `gatewatch run`."""
        return self.run_dir / f"{part}{_PART_LOG_SUFFIX}"

    def part_feed(self, part: str) -> Path:
        """A part's progress feed during `gatewatch run` (`gatewatch.core.progress_feed`)."""
        return part_feed_in(self.run_dir, part)

    # The report page.
    @property
    def page(self) -> Path:
        return self.root / _PAGE

    @property
    def page_partial(self) -> Path:
        """Where the page is written before it replaces the old one in one rename."""
        return self.root / f".{_PAGE}{_PARTIAL_SUFFIX}"

    def relative(self, path: Path) -> str:
        """`path` as the page links to it and problems name it: relative, with `/`."""
        return path.relative_to(self.root).as_posix()


#: The same paths relative to the reports folder: the page's hrefs and the names problems give.
RELATIVE = ReportsLayout(Path())


def part_feed_in(folder: Path, part: str) -> Path:
    """A part's progress feed in `folder` (gatewatch run's own folder in the reports)."""
    return folder / f"{part}{_PART_FEED_SUFFIX}"


def allure_page_in(report_dir: Path) -> Path:
    """The page inside an Allure HTML report folder (a staging copy as well as the final one)."""
    return report_dir / _PAGE
