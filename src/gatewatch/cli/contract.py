"""`gatewatch contract`: run the contract suite against a target (pytest underneath)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gatewatch.cli.options import options_command
from gatewatch.core import interrupts
from gatewatch.core.config import Run
from gatewatch.core.errors import ExitCode
from gatewatch.core.options import Surface
from gatewatch.core.options.contract import ContractOptions
from gatewatch.core.reports_layout import ReportsLayout
from gatewatch.suite.locate import suite_dir
from gatewatch.suite.opening import preflight_target

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


@options_command(ContractOptions, name="contract")
def command(options: ContractOptions) -> int:
    """Run the contract suite; exit 0 if the target conforms, 1 if any rule failed.

    With neither --target nor --base-url the embedded simulator is started and tested
    (with --rate-limit, it enforces that limit). Reports: REPORTS_DIR/junit.xml,
    REPORTS_DIR/allure-results/, REPORTS_DIR/summary.json.
    """
    # Configuration errors, a refused key or machine and an unreachable target end here,
    # before pytest starts, as `gatewatch: ...` on stderr like every other command. The
    # suite then runs on this resolved run, and does not check the target again.
    run = options.target.resolve()
    options.webhooks.listen_address(run.target)  # where webhooks are received: checked here too
    preflight_target(run)
    # From here a SIGTERM, like Ctrl-C, ends pytest's session as interrupted and stops the
    # embedded simulator instead of leaving it running.
    interrupts.install()
    return exit_code(run_suite(pytest_args(options), run))


def pytest_args(options: ContractOptions) -> list[str]:
    """Pytest's command line for the suite: its own flags, then the plugin's from `options`."""
    layout = ReportsLayout(options.reports_dir)
    return [
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
        str(layout.junit),
        "--alluredir",
        str(layout.allure_results),
        "--clean-alluredir",
        "-o",
        "junit_family=xunit2",
        "-o",
        "junit_logging=no",
        # The CLI has imported gatewatch before pytest starts, so its modules cannot be
        # assertion-rewritten; the suite's failures carry their own messages anyway.
        "--assert=plain",
        "-rfEs",
        "--tb=short",
        "-v" if options.verbose else "-q",
        *(["-x"] if options.exitfirst else []),
        *(["-k", options.keyword] if options.keyword is not None else []),
        *options.as_args(Surface.PYTEST, explicit=True),
    ]


def run_suite(args: list[str], run: Run | None = None) -> SuiteOutcome:
    """Pytest in this process with `args`; the run's own outcome, pytest's exit code in it.

    With `run`, the suite runs on that target and contract, already resolved and checked.
    """
    import pytest

    from gatewatch.suite.outcome import SuiteOutcome
    from gatewatch.suite.plugin import GivenRun

    outcome = SuiteOutcome()
    plugins: list[object] = [outcome] if run is None else [outcome, GivenRun(run)]
    code = int(pytest.main(args, plugins=plugins))
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
