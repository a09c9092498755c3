"""429s in a load test: a kind of their own, counted per request kind, gated by max_throttled_ratio.

The embedded simulator is started with the command's --rate-limit: 10 closed-model users
offer far more than 20 a second, so most requests are throttled. The users never wait a
429 out; each is recorded as its kind's throttled row and the user goes on.
"""

from __future__ import annotations

import csv
from collections.abc import Callable

import pytest

from gatewatch.contract import default_contract
from gatewatch.loadtest.kinds import KINDS, request_name, throttled_name
from tests.load.conftest import Run


def test_429s_are_their_own_kind_and_fail_the_throttled_ratio_gate(
    gatewatch_load: Callable[..., Run],
) -> None:
    run = gatewatch_load("--rate-limit", "20/s")
    assert run.code == 1, run.output[-4000:]
    summary = run.summary
    throttled = summary["throttled"]
    assert throttled["requests"] > 0 and 0.3 < throttled["ratio"] < 1
    assert set(throttled["by_kind"]) == set(KINDS)
    assert sum(throttled["by_kind"].values()) == throttled["requests"]
    # Not failures and not judged requests: the failure ratio stays clean.
    assert run.gate("failure ratio")["status"] == "pass"
    assert run.gate("throttled ratio")["status"] == "fail"
    assert run.gate("throttled ratio")["measured"] == pytest.approx(throttled["ratio"], abs=1e-5)
    assert "throttled ratio" in run.failed_gates() <= {"throttled ratio", "throughput"}
    assert summary["all"]["failures"] == 0 and summary["violations"] == {}
    # Locust counted every request, the throttled rows included, and so did the recorder.
    assert summary["cross_check"]["recorded_requests"] == summary["cross_check"]["locust_requests"]
    contract = default_contract()
    with (run.reports / "locust_stats.csv").open(encoding="utf-8") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    for kind in KINDS:
        assert int(rows[throttled_name(contract, kind)]["Failure Count"]) == 0
        assert int(rows[request_name(contract, kind)]["Request Count"]) > 0
    assert "throttled (429, not failures): " in run.stdout
    assert "RESULT: FAIL" in run.stdout.splitlines()[-2]
