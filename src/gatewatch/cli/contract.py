"""`gatewatch contract`: run the contract suite against a target (pytest underneath)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from gatewatch import interrupts
from gatewatch.cli.options import GroupedCommand, production_option, reports_option, target_options
from gatewatch.errors import ExitCode
from gatewatch.options import PLUGIN_PREFIX, TargetOptions
from gatewatch.reports_layout import ReportsLayout
from gatewatch.suite.locate import suite_dir
from gatewatch.suite.opening import preflight_target
from gatewatch.suite.profiles import PROFILES

if TYPE_CHECKING:  # pytest is imported only when the suite runs
    from gatewatch.suite.outcome import SuiteOutcome

# pytest's exit codes mapped to ours: tests failed is the target's fault; an internal
# error, a usage error or no test collected is a usage or configuration problem.
_PYTEST_EXIT = {
    0: ExitCode.OK,
    1: ExitCode.TARGET_FAILED,
    2: ExitCode.USAGE,
    3: ExitCode.USAGE,
    4: ExitCode.USAGE,
    5: ExitCode.USAGE,
}


@click.command(cls=GroupedCommand, context_settings={"ignore_unknown_options": False})
@target_options
@reports_option
@production_option
@click.option(
    "--profile",
    type=click.Choice(sorted(PROFILES)),
    default="ci",
    show_default=True,
    help="ci: fast, for every deploy (adapts to a rate limit); deep: many more examples, for nightly runs.",
)
@click.option("--seed", type=int, default=None, help="Replay a run: the seed it printed.")
@click.option("-k", "keyword", default=None, help="Only tests matching this pytest -k expression.")
@click.option("-x", "--exitfirst", is_flag=True, help="Stop at the first failing test.")
@click.option("-v", "--verbose", is_flag=True, help="One line per test.")
def command(
    where: TargetOptions,
    reports_dir: Path,
    allow_production: bool,
    profile: str,
    seed: int | None,
    keyword: str | None,
    exitfirst: bool,
    verbose: bool,
) -> int:
    """Run the contract suite; exit 0 if the target conforms, 1 if any rule failed.

    With neither --target nor --base-url the embedded simulator is started and tested
    (with --rate-limit, it enforces that limit). Reports: REPORTS_DIR/junit.xml,
    REPORTS_DIR/allure-results/, REPORTS_DIR/summary.json.
    """
    # Configuration errors, a refused key or machine and an unreachable target end here,
    # before pytest starts, as `gatewatch: ...` on stderr like every other command. The
    # plugin checks the same again (for plain pytest runs and the embedded simulator).
    preflight_target(where.resolve())
    # From here a SIGTERM, like Ctrl-C, ends pytest's session as interrupted and stops the
    # embedded simulator instead of leaving it running.
    interrupts.install()

    args = [
        str(suite_dir()),
        "-p",
        "no:cacheprovider",
        # Schemathesis (a dev tool here) registers a pytest plugin that costs a second a
        # start and adds nothing to the suite.
        "-p",
        "no:schemathesis",
        "--rootdir",
        str(suite_dir()),
        "--junitxml",
        str(ReportsLayout(reports_dir).junit),
        "--alluredir",
        str(ReportsLayout(reports_dir).allure_results),
        "--clean-alluredir",
        "--gatewatch-reports-dir",
        str(reports_dir),
        "--gatewatch-profile",
        profile,
        "-o",
        "junit_family=xunit2",
        "-o",
        "junit_logging=no",
        # The CLI has imported gatewatch before pytest starts, so its modules cannot be
        # assertion-rewritten; the suite's failures carry their own messages anyway.
        "--assert=plain",
        "-rfEs",
        "--tb=short",
        "-v" if verbose else "-q",
        *where.as_args(prefix=PLUGIN_PREFIX),
    ]
    if seed is not None:
        args += ["--gatewatch-seed", str(seed)]
    if keyword is not None:
        args += ["-k", keyword]
    if allow_production:
        args.append("--gatewatch-allow-production")
    if exitfirst:
        args.append("-x")
    return exit_code(run_suite(args))


def run_suite(args: list[str]) -> SuiteOutcome:
    """Pytest in this process with `args`; the run's own outcome, pytest's exit code in it."""
    import pytest

    from gatewatch.suite.outcome import SuiteOutcome

    outcome = SuiteOutcome()
    code = int(pytest.main(args, plugins=[outcome]))
    # pytest.main returns without a session for a bad command line: no hook filled it in.
    outcome.exitstatus = code
    return outcome


def exit_code(outcome: SuiteOutcome) -> int:
    """Ours from the suite's outcome: why it stopped early, else pytest's code mapped."""
    if outcome.stopped is not None:
        return int(outcome.stopped)
    if outcome.exitstatus is None:
        return int(ExitCode.USAGE)
    return int(_PYTEST_EXIT.get(outcome.exitstatus, ExitCode.USAGE))
