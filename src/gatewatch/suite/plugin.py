"""The pytest side of the contract suite: options, the session fixture, reports and exit codes.

A failed suite test reads as gatewatch's text (rule, request, answer, replay line), not a
traceback, unless GATEWATCH_DEBUG=1 (see failures.py).

`pytest tests/contract --target staging` and `gatewatch contract --target staging` run the
same thing; the CLI only builds this argument list.

The suite's session is opened once collection is done (and only when a collected test
uses the `gw` fixture): the target and contract resolved, the embedded simulator started
if needed, the preflight passed. When that fails (a bad targets file, a key the target
refuses, nothing answering) no test runs: the one-line reason goes to stderr as
`gatewatch: ...` and the run exits 2 or 3, with no traceback and no pytest internals.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable, Generator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings

from gatewatch.contract import Contract, default_contract
from gatewatch.core import interrupts
from gatewatch.core.config import Run, debug_frames
from gatewatch.core.errors import GatewatchError
from gatewatch.core.options.contract import SEED
from gatewatch.suite import progress as suite_progress
from gatewatch.suite.failures import FailureOutput, SetupFailed
from gatewatch.suite.fleet import Fleet, send_fleet
from gatewatch.suite.locate import suite_dir
from gatewatch.suite.opening import open_session
from gatewatch.suite.options import add_options, dest, from_config
from gatewatch.suite.outcome import STOPPED_KEY
from gatewatch.suite.profiles import PROFILES, PlannedTest
from gatewatch.suite.session import ContractViolation, SuiteSession
from gatewatch.suite.summary import SuiteReporter

RULES_MARKER = "gw_rules"
EXAMPLES_MARKER = "gw_examples"
SUITE_FIXTURE = "gw"
_STASH_RUN = pytest.StashKey["Run | GatewatchError"]()
_STASH_SESSION = pytest.StashKey[SuiteSession]()
_STASH_STACK = pytest.StashKey[ExitStack]()
_STASH_REPORTER = pytest.StashKey[SuiteReporter]()
_STASH_ALLURE = pytest.StashKey[Any]()
_STASH_SUITE_PROPERTY = pytest.StashKey[Callable[[str, object], None]]()
_STASH_OUTPUT = pytest.StashKey[FailureOutput]()
_STASH_CHECKED = pytest.StashKey[bool]()
_SEED = dest("seed")
FLEET = "fleet"
ONE_CHANNEL_WHEN_LIMITED = "gw_one_channel_when_limited"


def pytest_addoption(parser: pytest.Parser) -> None:
    """The suite's options; each mirrors a `gatewatch contract` flag."""
    add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Fix the seed before Hypothesis reads it, and register the Hypothesis profile."""
    config.addinivalue_line("markers", f"{RULES_MARKER}(*ids): contract rules a suite test exercises")
    config.addinivalue_line(
        "markers", f"{ONE_CHANNEL_WHEN_LIMITED}: under a rate limit, on the target's first channel only"
    )
    config.addinivalue_line(
        "markers",
        f"{EXAMPLES_MARKER}(cost, stateful=False): a generated suite test; requests one example "
        "(or state-machine step) makes",
    )
    suite_progress.register(config)
    seed = config.getoption(_SEED)
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    setattr(config.option, _SEED, seed)
    # Only a run of the suite gets the suite's seed: a guest plugin leaves others' runs alone.
    if runs_the_suite(config) and getattr(config.option, "hypothesis_seed", None) is None:
        config.option.hypothesis_seed = seed
    settings.register_profile(
        "gatewatch",
        max_examples=PROFILES[from_config(config).profile].examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        print_blob=False,
        # One bug per test: hunting and shrinking a second distinct failure doubles the
        # time to a report and adds nothing the rule table does not already say.
        report_multiple_bugs=False,
        # No explain phase: it replays variations of a failure against the live target.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    )


def runs_the_suite(config: pytest.Config) -> bool:
    """True when this pytest run collects the contract suite (its folder, a parent, or the package)."""
    suite = suite_dir()
    for arg in config.args:
        if arg.startswith("gatewatch.suite.tests"):
            return True
        path = Path(arg.split("::", 1)[0]).resolve()
        if path == suite or suite in path.parents or path in suite.parents:
            return True
    return False


def pytest_report_header(config: pytest.Config) -> str | None:
    """Print the seed, so every run can be replayed (only in a run of the suite)."""
    if not runs_the_suite(config):
        return None
    seed = config.getoption(_SEED)
    return f"gatewatch: seed {seed} (replay with {SEED.flag()} {seed})"


class GivenRun:
    """A plugin object for `pytest.main`: the run its caller already resolved and checked.

    `gatewatch contract` resolves the target and contract and runs the preflight before
    pytest starts; with this the suite uses that run, and does not resolve or check it again.
    """

    def __init__(self, run: Run) -> None:
        self.run = run

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        """Hand the run to the suite's session (the caller checked a remote target, not a simulator)."""
        config.stash[_STASH_RUN] = self.run
        config.stash[_STASH_CHECKED] = not self.run.target.embedded


def resolved_run(config: pytest.Config) -> Run:
    """The run's target and contract from the options, resolved once (GatewatchError if they select none)."""
    found = config.stash.get(_STASH_RUN, None)
    if found is None:
        try:
            found = from_config(config).target.resolve()
        except GatewatchError as exc:
            found = exc
        config.stash[_STASH_RUN] = found
    if isinstance(found, GatewatchError):
        raise found
    return found


def suite_contract(config: pytest.Config) -> Contract:
    """The contract the run is judged by, for parametrising at collection time.

    When the options are broken the default contract stands in: the session's opening
    reports the error properly, before any test runs.
    """
    try:
        return resolved_run(config).contract
    except GatewatchError:
        return default_contract()


def first_channel_when_limited(config: pytest.Config) -> tuple[str, ...] | None:
    """Under a rate limit, the target's first channel alone; None otherwise (or when the options are broken).

    For tests that cost a whole channel's sends: under a rate limit they run on one channel,
    so that the plan fits the budget, and the others are not collected rather than skipped.
    """
    try:
        target = resolved_run(config).target
    except GatewatchError:
        return None
    return target.channels[:1] if not target.rate_limit.unlimited and target.channels else None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Open the suite session before any test runs, if a collected test uses it.

    trylast: after -k and -m deselection, so the budget is split over the tests that run.
    """
    suite_items = [item for item in items if SUITE_FIXTURE in getattr(item, "fixturenames", ())]
    if not suite_items or config.option.collectonly:
        return
    stack = ExitStack()
    options = from_config(config)
    try:
        gw = open_session(
            resolved_run(config),
            stack,
            profile=options.profile,
            seed=config.getoption(_SEED),
            allow_production=options.allow_production,
            replace_webhook=options.replace_webhook,
            webhooks=options.webhooks,
            tests=[planned_test(item) for item in suite_items],
            checked=config.stash.get(_STASH_CHECKED, False),
        )
    except GatewatchError as exc:
        stack.close()
        _stop_before_tests(config, items, suite_items, exc)
        return
    config.stash[_STASH_SESSION] = gw
    config.stash[_STASH_STACK] = stack
    _deselect(config, items, set(gw.budget.planned_out))
    reporter = config.stash.get(_STASH_REPORTER, None)
    if reporter is not None:
        reporter.attach(gw)
        reporter.replay_options = options
    if getattr(config.option, "allure_report_dir", None):
        from gatewatch.suite.allure_glue import AllureRecorder

        recorder = AllureRecorder()
        gw.observers.append(recorder.on_verify)
        config.stash[_STASH_ALLURE] = recorder
    settings.load_profile("gatewatch")


def planned_test(item: pytest.Item) -> PlannedTest:
    """What the budget planner needs of a collected suite test: its function, channel and cost."""
    marker = item.get_closest_marker(EXAMPLES_MARKER)
    params = getattr(getattr(item, "callspec", None), "params", {})
    channel = params.get("channel")  # own-name: the fixture parameter
    return PlannedTest(
        id=item.nodeid,
        function=f"{item.path}::{getattr(item, 'originalname', item.name)}",
        channel=channel if isinstance(channel, str) else None,
        example_cost=float(marker.args[0]) if marker is not None and marker.args else None,
        stateful=bool(marker.kwargs.get("stateful")) if marker is not None else False,
    )


def _deselect(config: pytest.Config, items: list[pytest.Item], ids: set[str]) -> None:
    """Leave the tests the budget planned out of the run (pytest reports them as deselected)."""
    if not ids:
        return
    dropped = [item for item in items if item.nodeid in ids]
    config.hook.pytest_deselected(items=dropped)
    items[:] = [item for item in items if item.nodeid not in ids]


def _stop_before_tests(
    config: pytest.Config, items: list[pytest.Item], suite_items: list[pytest.Item], exc: GatewatchError
) -> None:
    """Run no suite test: say why in one line on stderr, and exit with the error's code at the end.

    Other tests of the same pytest run (the harness's own, in a repository-wide run) still run.
    """
    config.stash[STOPPED_KEY] = exc.exit_code  # read back by SuiteOutcome, and below
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():
            sys.stderr.write(f"gatewatch: {exc}\n")
    else:
        sys.stderr.write(f"gatewatch: {exc}\n")
    config.hook.pytest_deselected(items=list(suite_items))
    dropped = {id(item) for item in suite_items}
    items[:] = [item for item in items if id(item) not in dropped]


@pytest.fixture(scope="session")
def gw(request: pytest.FixtureRequest) -> SuiteSession:
    """The suite session: target resolved, simulator started if needed, preflight passed."""
    session = request.config.stash.get(_STASH_SESSION, None)
    if session is None:
        pytest.fail("gatewatch: no suite session (request the gw fixture as a test argument)")
    request.config.stash[_STASH_SUITE_PROPERTY] = request.getfixturevalue("record_testsuite_property")
    return session


@pytest.fixture(scope="session")
def fleet(gw: SuiteSession, request: pytest.FixtureRequest) -> Fleet:
    """One message per channel and test recipient, sent once for the whole run."""
    reason = no_delivery_reason(gw, "no message of the run can be followed or found")
    if reason is not None:
        pytest.skip(reason)
    if _STASH_OUTPUT not in request.config.stash:
        return send_fleet(gw)  # GATEWATCH_DEBUG: pytest's own report, with the frames
    try:
        return send_fleet(gw)
    except Exception as exc:
        # Reported once with its cause; every later test that needs the fleet says it did not run.
        raise SetupFailed(
            FLEET, "one message per channel and test recipient, sent once for the run", exc
        ) from exc


def no_delivery_reason(gw: SuiteSession, consequence: str) -> str | None:
    """Why this run's sends are not delivered (read-only production, dry runs), or None."""
    if not gw.may_send:
        return f"production target: read-only without --allow-production (no sends), so {consequence}"
    if not gw.delivers:
        return f"dry-run sends: nothing is delivered, so {consequence}"
    return None


@pytest.fixture
def gw_test(request: pytest.FixtureRequest) -> None:
    """Skip a suite test whose rules are all switched off; label it in Allure by channel and rule.

    Not autouse here: the suite's conftest asks for it, so no other pytest run gets it.
    """
    if SUITE_FIXTURE not in request.fixturenames:
        return
    session: SuiteSession = request.getfixturevalue(SUITE_FIXTURE)
    contract = session.contract
    marker = request.node.get_closest_marker(RULES_MARKER)
    rules = tuple(marker.args) if marker else ()
    off = {rule: contract.rule(rule).reason or "switched off" for rule in rules if not contract.enabled(rule)}
    recorder = request.config.stash.get(_STASH_ALLURE, None)
    if recorder is not None:
        callspec = getattr(request.node, "callspec", None)
        params = callspec.params.values() if callspec else ()
        channel = next((p for p in params if isinstance(p, str) and p in contract.channels), None)
        recorder.start_test(
            channel,
            rules,
            {r: contract.rule(r).origin for r in rules},
            channel_label=contract.channel_param,
            skipped=off,
        )
    if rules and len(off) == len(rules):
        pytest.skip("; ".join(f"{rule}: {reason}" for rule, reason in off.items()))


def pytest_sessionstart(session: pytest.Session) -> None:
    """Create the reporter (it writes only if the suite's session was opened), and the failure text."""
    config = session.config
    options = from_config(config)
    reporter = SuiteReporter(reports_dir=options.reports_dir, profile=options.profile, started=time.time())
    config.stash[_STASH_REPORTER] = reporter
    if not debug_frames():
        seed = config.getoption(_SEED)
        config.stash[_STASH_OUTPUT] = FailureOutput(lambda test: reporter.replay_command(seed, test))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Fail a suite test that recorded violations outside its focus or met a repeated 500, once it ran."""
    session = item.config.stash.get(_STASH_SESSION, None)
    if session is not None:
        session.take_deferred()
    result = yield
    if session is not None:
        later = session.take_deferred() + session.take_unjudged()
        if later:
            raise ContractViolation(later)
    return result


def pytest_runtest_teardown(item: pytest.Item) -> None:
    """After SIGINT or SIGTERM, run no further test (pytest may have seen it only as an error)."""
    if interrupts.received() is not None:
        item.session.shouldstop = "interrupted by a signal"


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Put gatewatch's failure text in a failed suite test's report; tell the reporter its outcome.

    trylast: the innermost wrapper, so the others (allure-pytest's) see the text.
    """
    report = yield
    reporter = item.config.stash.get(_STASH_REPORTER, None)
    if reporter is not None and SUITE_FIXTURE in getattr(item, "fixturenames", ()):
        marker = item.get_closest_marker(RULES_MARKER)
        error = call.excinfo.value if call.excinfo is not None else None
        output = item.config.stash.get(_STASH_OUTPUT, None)
        if output is not None and error is not None and report.failed:
            output.rewrite(item, report, error)
        reporter.on_report(item, report, tuple(marker.args) if marker else (), error)
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the JSON summary and the rule table into JUnit, stop the simulator, set the exit code.

    tryfirst: the JUnit file is written by junitxml's own sessionfinish, after this one.
    """
    config = session.config
    early = config.stash.get(STOPPED_KEY, None)
    if early is not None:
        session.exitstatus = int(early)
    reporter = config.stash.get(_STASH_REPORTER, None)
    if reporter is not None and reporter.session is not None:
        reporter.write(exitstatus, seed=config.getoption(_SEED), environ=os.environ)
        record = config.stash.get(_STASH_SUITE_PROPERTY, None)
        if record is not None:
            for name, value in reporter.junit_properties():
                record(name, value)
    stack = config.stash.get(_STASH_STACK, None)
    if stack is not None:
        stack.close()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The rule table (each failure's replay line is in its own text, or listed here with GATEWATCH_DEBUG)."""
    reporter = config.stash.get(_STASH_REPORTER, None)
    if reporter is not None and reporter.session is not None:
        # Each failure's text carries its replay line, unless pytest's own reports are shown.
        replays = _STASH_OUTPUT not in config.stash
        for line in reporter.terminal_lines(seed=config.getoption(_SEED), replays=replays):
            terminalreporter.write_line(line)
