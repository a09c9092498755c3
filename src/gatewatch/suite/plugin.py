"""The pytest side of the contract suite: options, the session fixture, reports and exit codes.

`pytest tests/contract --target staging` and `gatewatch contract --target staging` run the
same thing; the CLI only builds this argument list.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Generator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings

from gatewatch.config import DEFAULT_REPORTS_DIR, read_keys, resolve_target
from gatewatch.contract import default_contract, load_contract
from gatewatch.embedded import simulator_process
from gatewatch.errors import ConfigError, ExitCode, TargetUnreachable
from gatewatch.suite.fleet import Fleet, send_fleet
from gatewatch.suite.report import SuiteReporter
from gatewatch.suite.session import ContractViolation, SuiteSession

PROFILES = {
    # name: (examples per property, state machine runs, steps per run)
    "ci": (25, 8, 12),
    "deep": (400, 60, 40),
}
# Seconds Hypothesis may spend shrinking one failure, per profile (see suite.budget).
SHRINK_BUDGET_S = {"ci": 3.0, "deep": 120.0}
# Why the run stopped early, for `gatewatch contract` (which runs pytest in-process): pytest's
# own exit code 3 means an internal error, so "unreachable" cannot travel through it alone.
early_exit: list[ExitCode] = []
_STASH_SESSION = pytest.StashKey[SuiteSession]()
_STASH_STACK = pytest.StashKey[ExitStack]()
_STASH_REPORTER = pytest.StashKey[SuiteReporter]()
_STASH_ALLURE = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """The suite's options; each mirrors a `gatewatch contract` flag."""
    group = parser.getgroup("gatewatch", "gatewatch contract suite")
    group.addoption("--target", dest="gw_target", default=None, help="Target name in the targets file.")
    group.addoption("--base-url", dest="gw_base_url", default=None, help="Base URL of the gateway.")
    group.addoption("--targets-file", dest="gw_config", default=None, help="Targets file (TOML).")
    group.addoption("--contracts", dest="gw_contracts", default=None, help="A contracts/ folder.")
    group.addoption(
        "--api-key-env", dest="gw_api_key_env", default=None, help="Variable holding the API key."
    )
    group.addoption(
        "--second-api-key-env",
        dest="gw_second_api_key_env",
        default=None,
        help="Variable holding a second company's key.",
    )
    group.addoption(
        "--profile", dest="gw_profile", default="ci", choices=sorted(PROFILES), help="ci (fast) or deep."
    )
    group.addoption("--seed", dest="gw_seed", type=int, default=None, help="Replay a run's seed.")
    group.addoption(
        "--reports-dir", dest="gw_reports_dir", default=str(DEFAULT_REPORTS_DIR), help="Reports folder."
    )
    group.addoption(
        "--allow-production",
        dest="gw_allow_production",
        action="store_true",
        default=False,
        help="Allow sends to a production target (otherwise the suite is read-only there).",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Fix the seed before Hypothesis reads it, and register the Hypothesis profiles."""
    config.addinivalue_line("markers", "gw_rules(*ids): contract rules a suite test exercises")
    seed = config.getoption("gw_seed")
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    config.option.gw_seed = seed
    if getattr(config.option, "hypothesis_seed", None) is None:
        config.option.hypothesis_seed = seed
    examples, _, _ = PROFILES[config.getoption("gw_profile")]
    settings.register_profile(
        "gatewatch",
        max_examples=examples,
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


def pytest_report_header(config: pytest.Config) -> str:
    """Print the seed, so every run can be replayed."""
    return f"gatewatch: seed {config.getoption('gw_seed')} (replay with --seed {config.getoption('gw_seed')})"


def profile_limits(config: pytest.Config) -> tuple[int, int, int]:
    """(examples per property, state machine runs, steps per run) for the chosen profile."""
    return PROFILES[config.getoption("gw_profile")]


@pytest.fixture(scope="session")
def gw(request: pytest.FixtureRequest) -> Iterator[SuiteSession]:
    """The suite session: target resolved, simulator started if needed, reachability checked."""
    config = request.config
    stack = ExitStack()
    try:
        session = _open_session(config, stack)
    except ConfigError as exc:
        stack.close()
        early_exit.append(ExitCode.USAGE)
        pytest.exit(f"gatewatch: {exc}", returncode=int(ExitCode.USAGE))
    except TargetUnreachable as exc:
        stack.close()
        early_exit.append(ExitCode.UNREACHABLE)
        pytest.exit(f"gatewatch: target unreachable: {exc}", returncode=int(ExitCode.UNREACHABLE))
    config.stash[_STASH_SESSION] = session
    config.stash[_STASH_STACK] = stack
    reporter = config.stash.get(_STASH_REPORTER, None)
    if reporter is not None:
        reporter.attach(session)
    if getattr(config.option, "allure_report_dir", None):
        from gatewatch.suite.allure_glue import AllureRecorder

        recorder = AllureRecorder()
        session.observers.append(recorder.on_verify)
        config.stash[_STASH_ALLURE] = recorder
    settings.load_profile("gatewatch")
    yield session
    session.close()


@pytest.fixture(autouse=True)
def _gw_allure_labels(request: pytest.FixtureRequest) -> None:
    """Label each suite test in Allure by its channel and rules."""
    if "gw" not in request.fixturenames:
        return
    recorder = request.config.stash.get(_STASH_ALLURE, None)
    if recorder is None:
        request.getfixturevalue("gw")  # the session creates the recorder
        recorder = request.config.stash.get(_STASH_ALLURE, None)
    if recorder is None:
        return
    marker = request.node.get_closest_marker("gw_rules")
    rules = tuple(marker.args) if marker else ()
    callspec = getattr(request.node, "callspec", None)
    channel = callspec.params.get("channel") if callspec else None
    session: SuiteSession = request.getfixturevalue("gw")
    recorder.start_test(channel, rules, {r: session.contract.rule(r).provenance for r in rules})


@pytest.fixture(scope="session")
def fleet(gw: SuiteSession) -> Fleet:
    """One message per channel and test recipient, sent once for the whole run."""
    if not gw.may_send:
        pytest.skip("production target: read-only without --allow-production (no sends)")
    return send_fleet(gw)


def _open_session(config: pytest.Config, stack: ExitStack) -> SuiteSession:
    contracts = config.getoption("gw_contracts")
    contract = load_contract(contracts) if contracts else default_contract()
    config_file = config.getoption("gw_config")
    target = resolve_target(
        config_file=Path(config_file) if config_file else None,
        target_name=config.getoption("gw_target"),
        base_url=config.getoption("gw_base_url"),
        contract=contract,
        api_key_env=config.getoption("gw_api_key_env"),
        second_api_key_env=config.getoption("gw_second_api_key_env"),
    )
    keys = read_keys(target)
    base_url = target.base_url
    if base_url is None:
        # The simulator accepts the run's own keys (e.g. a sentinel key in a test), as
        # companies A and B, passed through the environment, never on its command line.
        pairs = [
            f"{key.reveal()}={company}" for key, company in ((keys.primary, "A"), (keys.second, "B")) if key
        ]
        env = {"GATEWATCH_SIM_KEYS": ",".join(pairs)}
        args = ["--api-key-env", "GATEWATCH_SIM_KEYS"]
        if contracts:
            env["GATEWATCH_CONTRACTS"] = str(Path(contracts).resolve())
        base_url = stack.enter_context(simulator_process(args, env)).base_url
    session = SuiteSession(
        shrink_budget_s=SHRINK_BUDGET_S[config.getoption("gw_profile")],
        contract=contract,
        target=target,
        keys=keys,
        base_url=base_url,
        allow_production=config.getoption("gw_allow_production"),
        seed=config.getoption("gw_seed"),
    )
    # One request up front: a target that cannot be reached stops the run with exit 3.
    session.anonymous.lookup("gatewatch-preflight", contract.channels[0])
    return session


def pytest_sessionstart(session: pytest.Session) -> None:
    """Create the reporter; it writes only if the suite's session fixture was used."""
    config = session.config
    config.stash[_STASH_REPORTER] = SuiteReporter(
        reports_dir=Path(config.getoption("gw_reports_dir")),
        profile=config.getoption("gw_profile"),
        started=time.time(),
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Fail a suite test that recorded violations outside its focus, once it has run."""
    session = item.config.stash.get(_STASH_SESSION, None)
    if session is not None:
        session.take_deferred()
    result = yield
    if session is not None:
        later = session.take_deferred()
        if later:
            raise ContractViolation(later)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Tell the reporter each suite test's outcome and the rules it names."""
    report = yield
    reporter = item.config.stash.get(_STASH_REPORTER, None)
    if reporter is not None and "gw" in getattr(item, "fixturenames", ()):
        marker = item.get_closest_marker("gw_rules")
        error = call.excinfo.value if call.excinfo is not None else None
        reporter.on_report(item, report, tuple(marker.args) if marker else (), error)
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the JSON summary, stop the embedded simulator."""
    config = session.config
    reporter = config.stash.get(_STASH_REPORTER, None)
    if reporter is not None and reporter.session is not None:
        reporter.write(exitstatus, seed=config.getoption("gw_seed"), environ=os.environ)
    stack = config.stash.get(_STASH_STACK, None)
    if stack is not None:
        stack.close()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The rule table and one reproduction line per failure."""
    reporter = config.stash.get(_STASH_REPORTER, None)
    if reporter is not None and reporter.session is not None:
        for line in reporter.terminal_lines(seed=config.getoption("gw_seed")):
            terminalreporter.write_line(line)
