"""`gatewatch report`: rebuild reports/index.html from a reports folder (with --allure, Allure's HTML too)."""

from __future__ import annotations

from pathlib import Path

import click

from gatewatch.cli.options import reports_option
from gatewatch.errors import ExitCode
from gatewatch.report import build_allure, build_index
from gatewatch.reports_layout import RELATIVE


@click.command(name="report")
@reports_option
@click.option(
    "--allure",
    "with_allure",
    is_flag=True,
    default=False,
    help=f"Also build REPORTS_DIR/{RELATIVE.allure_report.as_posix()}/"
    f" from {RELATIVE.allure_results.as_posix()}/ with the allure tool on PATH.",
)
def command(reports_dir: Path, with_allure: bool) -> int:
    """Build REPORTS_DIR/index.html from what the other commands wrote there, and print its path.

    Parts that did not run are shown as not run; a file that cannot be read is named on the
    page. Exit 0 when written, 2 when the folder is missing (or, with --allure, when the
    Allure tool or the results are).
    """
    if with_allure:
        click.echo(f"allure report: {build_allure(reports_dir)}", err=True)
    click.echo(str(build_index(reports_dir)))
    return int(ExitCode.OK)
