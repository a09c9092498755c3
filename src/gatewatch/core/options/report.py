"""`gatewatch report`'s options."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gatewatch.core.options.declare import Options, ValueKind, declared_field, option
from gatewatch.core.options.target import REPORTS_DIR
from gatewatch.core.reports_layout import RELATIVE


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportOptions(Options):
    """The options of `gatewatch report`."""

    reports_dir: Path = declared_field(REPORTS_DIR)
    with_allure: bool = option(
        name="allure",
        kind=ValueKind.FLAG,
        default=False,
        help=f"Also build REPORTS_DIR/{RELATIVE.allure_report.as_posix()}/"
        f" from {RELATIVE.allure_results.as_posix()}/ with the allure tool on PATH.",
    )
