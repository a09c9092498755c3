"""A failure prints the rule, the request, the answer and the replay line, once, cause first.

A failed setup (the fleet's sends) is one failure with its cause; each test that needed
it says in one line that it did not run. The harness's own stack frames appear only
with GATEWATCH_DEBUG=1. The unit tests feed `describe` violations; the end-to-end ones
run `gatewatch contract` against simulator defects and read the console.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gatewatch.checks import Violation
from gatewatch.contract import default_contract
from gatewatch.core.config import DEBUG_ENV, debug_frames
from gatewatch.core.embedded import simulator_process
from gatewatch.core.exchange import Exchange, RecordedRequest, RecordedResponse
from gatewatch.suite import ContractViolation
from gatewatch.suite.failures import SetupFailed, contract_violation, describe
from tests.suite.conftest import SIMULATOR_KEYS, SuiteRun, run_suite

# A stack frame as pytest prints one (--tb=short: "src/gatewatch/x.py:12: in f"; long: "x.py:12: Error").
FRAME = re.compile(r"^\s*\S*gatewatch/\S+\.py:\d+: (in |\w*Error|\w*Violation)", re.MULTILINE)
# One defect's whole console output stays short enough to read.
MAX_LINES = 200
EXCHANGE = Exchange(
    "lookup",
    RecordedRequest("GET", "http://127.0.0.1:9/api/x", (("X-Api-Key", "***"),)),
    RecordedResponse(200, (("Content-Type", "application/json"),), b'{"customerMessageId": "m-2"}', 0.001),
    message_id="m-1",
    channel="SMS",
)


def _violation(rule: str, message: str, exchange: Exchange | None = EXCHANGE) -> Violation:
    return Violation(rule, "pinned", message, exchange)


def test_two_rules_broken_by_one_call_show_the_call_once() -> None:
    error = ContractViolation([_violation("echo_id", "id differs"), _violation("echo_channel", "no channel")])
    error.add_note("Failing test case: check(\n    picked=['m-1'],\n    order=0,\n)")
    lines, summary = describe(error)
    assert lines[:2] == ["[echo_id (pinned)] id differs", "[echo_channel (pinned)] no channel"]
    assert sum("request: curl" in line for line in lines) == 1
    assert sum("answer:  200" in line for line in lines) == 1
    assert "Failing test case: check(picked=['m-1'], order=0)" in lines
    assert summary == "[echo_id (pinned)] id differs"


def test_many_calls_are_bounded_and_counted() -> None:
    calls = [
        _violation(
            "server_error_retried", "500 repeated", Exchange("lookup", EXCHANGE.request, EXCHANGE.response)
        )
        for _ in range(20)
    ]
    lines, _ = describe(ContractViolation(calls))
    assert sum("request: curl" in line for line in lines) == 3
    assert lines[-1] == "... and 17 more call(s) that broke server_error_retried"


def test_a_failed_setup_says_what_failed_before_the_cause() -> None:
    cause = ContractViolation([_violation("send_accepted", "no id")])
    lines, summary = describe(SetupFailed("fleet", "the run's messages", cause))
    assert lines[0].startswith("setup failed: fleet (the run's messages)")
    assert lines[1] == "[send_accepted (pinned)] no id"
    assert summary == "fleet failed: [send_accepted (pinned)] no id"
    assert contract_violation(SetupFailed("fleet", "x", cause)) is cause
    assert contract_violation(ExceptionGroup("flaky", [ValueError("x"), cause])) is cause


def test_an_error_that_is_not_a_contract_failure_says_how_to_see_its_frames() -> None:
    lines, summary = describe(RuntimeError("pacing gave up\nafter 30 s"))
    assert summary == "RuntimeError: pacing gave up"
    assert lines[1] == "  after 30 s"
    assert DEBUG_ENV in lines[-1]


def _run(tmp_path: Path, defect: str, *args: str, debug: bool = False) -> SuiteRun:
    contract = default_contract()
    env = {**SIMULATOR_KEYS, DEBUG_ENV: "1" if debug else ""}
    with simulator_process(["--defect", defect], contract=contract) as sim:
        return run_suite(tmp_path, "--base-url", sim.base_url, "--seed", "20261130", *args, env=env)


def _summary_failures(run: SuiteRun) -> list[dict[str, object]]:
    failures: list[dict[str, object]] = run.summary["failures"]
    return failures


@pytest.mark.slow
def test_a_contract_failure_prints_rule_request_answer_and_replay_once(tmp_path: Path) -> None:
    run = _run(tmp_path, "echo_id_wrong")
    assert run.exit_code == 1, run.output[-3000:]
    failures = _summary_failures(run)
    assert failures
    assert "[echo_id (pinned)]" in run.output
    assert not FRAME.search(run.output), FRAME.search(run.output)
    assert "Traceback" not in run.output
    replays = [line for line in run.output.splitlines() if line.startswith("replay: gatewatch contract")]
    assert len(replays) == len(failures), "one replay line per failure, and only one"
    for failure in failures:
        assert f"replay: {failure['reproduce']}" in replays
    assert len(run.output.splitlines()) < MAX_LINES, len(run.output.splitlines())


@pytest.mark.slow
def test_gatewatch_debug_shows_the_frames(tmp_path: Path) -> None:
    run = _run(tmp_path, "echo_id_wrong", "-k", "test_sent_id_is_found_on_its_channel", debug=True)
    assert run.exit_code == 1, run.output[-3000:]
    assert FRAME.search(run.output), run.output[-3000:]


@pytest.mark.slow
def test_a_failed_setup_is_one_failure_and_a_line_per_test_that_needed_it(tmp_path: Path) -> None:
    run = _run(tmp_path, "send_missing_id")
    assert run.exit_code == 1, run.output[-3000:]
    assert not FRAME.search(run.output), FRAME.search(run.output)
    lines = run.output.splitlines()
    assert sum(line.startswith("setup failed: fleet") for line in lines) == 1
    assert "[send_accepted (documented)] a successful send carried no customerMessageId" in run.output
    fleet_failures = [f for f in _summary_failures(run) if "fleet" in str(f["message"])]
    assert len(fleet_failures) == 1, fleet_failures
    not_run = [line for line in lines if line.startswith("SKIPPED [") and "not run, fleet failed" in line]
    assert not_run, run.output[-3000:]
    # One line each, naming the test: no test is listed twice, none is folded into a count.
    named = [re.search(r"(test_\w+\[\w+\]): not run", line) for line in not_run]
    assert all(named) and len({m.group(1) for m in named if m}) == len(not_run)
    assert len(lines) < MAX_LINES, len(lines)
    junit = (tmp_path / "junit.xml").read_text()
    assert junit.count("<error") == 1


def test_the_debug_switch_is_read_from_the_environment() -> None:
    assert debug_frames({DEBUG_ENV: "1"}) and not debug_frames({DEBUG_ENV: "0"}) and not debug_frames({})
    assert debug_frames({DEBUG_ENV: "yes"})
