"""A 500 that repeats on every retry fails `server_error_retried`, whatever the request was.

The suite sends bodies that are not a JSON object to every channel's send endpoint on
every run (a short generated run may draw none), and a repeated 500 on a call no check
judged still fails the test that made it. The end-to-end runs use a seed whose generated
send bodies hold nothing but JSON objects, so only the always-sent bodies can catch the defect.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gatewatch.contract import default_contract, resolve_contract
from gatewatch.core.config import Keys, local_target
from gatewatch.core.embedded import simulator_process
from gatewatch.core.secrets import Secret
from gatewatch.suite import SuiteSession
from tests.stubs import Scripted, StubServer
from tests.suite.conftest import run_suite

CONTRACT = default_contract()
SERVER_ERROR = {"status": 500, "error": "Internal Server Error", "message": "try again"}
# Seeds with which the ci profile's generated invalid send bodies were all JSON objects
# (before the always-sent ones existed, these runs passed the defect).
SEED_WITHOUT_MALFORMED_DRAWS = {"vendor": "1", "strict": "18"}


def _session(base_url: str) -> SuiteSession:
    return SuiteSession(
        contract=CONTRACT,
        target=local_target(CONTRACT, base_url),
        keys=Keys(primary=Secret("key-a"), second=None),
        base_url=base_url,
    )


def _always_500(stub: StubServer, answers: int) -> None:
    stub.script[:] = [Scripted(500, SERVER_ERROR) for _ in range(answers)]


def test_a_repeated_500_no_check_judged_is_a_violation() -> None:
    with StubServer() as stub:
        gw = _session(stub.base_url)
        attempts = 1 + len(gw.client.retry_delays_s)
        _always_500(stub, attempts)
        gw.client.lookup("m-1", "SMS")  # made, never verified
        found = gw.take_unjudged()
        gw.close()
    assert [v.rule for v in found] == ["server_error_retried"]
    assert gw.tally.violation_counts["server_error_retried"] == 1
    assert gw.take_unjudged() == [], "each one is reported once"


def test_a_verified_repeated_500_is_not_reported_twice() -> None:
    with StubServer() as stub:
        gw = _session(stub.base_url)
        _always_500(stub, 1 + len(gw.client.retry_delays_s))
        exchange = gw.client.lookup("m-1", "SMS")
        with pytest.raises(AssertionError, match="server_error_retried"):
            gw.verify(exchange)
        assert gw.take_unjudged() == []
        gw.close()


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["vendor", "strict"])
@pytest.mark.parametrize("defect", ["send_not_json_500", "send_not_json_500_page"])
def test_a_send_body_that_is_not_json_answered_500_fails(tmp_path: Path, dialect: str, defect: str) -> None:
    with simulator_process(["--defect", defect], contract=resolve_contract(dialect)) as sim:
        run = run_suite(
            tmp_path,
            "--base-url",
            sim.base_url,
            "--contracts",
            dialect,
            "--seed",
            SEED_WITHOUT_MALFORMED_DRAWS[dialect],
            "-k",
            "test_send",
        )
    assert run.exit_code == 1, run.output[-3000:]
    assert "server_error_retried" in run.rules("failed"), run.output[-3000:]
