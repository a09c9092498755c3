"""`gatewatch report`: rebuild reports/index.html from a reports folder (with --allure, Allure's HTML too)."""

from __future__ import annotations

import click

from gatewatch.cli.options import options_command
from gatewatch.core.errors import ExitCode
from gatewatch.core.options.report import ReportOptions
from gatewatch.report import build_allure, build_index


@options_command(ReportOptions, name="report")
def command(options: ReportOptions) -> int:
    """Build REPORTS_DIR/index.html from what the other commands wrote there, and print its path.

    Parts that did not run are shown as not run; a file that cannot be read is named on the
    page. Exit 0 when written, 2 when the folder is missing (or, with --allure, when the
    Allure tool or the results are).
    """
    if options.with_allure:
        click.echo(f"allure report: {build_allure(options.reports_dir)}", err=True)
    click.echo(str(build_index(options.reports_dir)))
    return int(ExitCode.OK)
