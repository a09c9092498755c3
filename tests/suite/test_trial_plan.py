"""The ci profile at the trial plan (100 a minute, 10 a second) exercises every rule, within budget.

New partners start on trial keys. The run is planned from the budget (every check once
first, then generated examples as it allows), so it makes few enough requests to finish
in about a minute of pacing rather than four. The figure that matters here is the count
of requests, not the wall time (which `benchmarks/bench_rate_limited.py --limit trial`
measures): the pacer lets 90 out per trailing minute, so at most 180 paced requests fit
before the second minute ends.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gatewatch.contract import resolve_contract
from gatewatch.core.embedded import simulator_process
from gatewatch.suite.conformance import BURST_FACTOR
from tests.suite.conftest import LOCAL_WEBHOOKS, TRANSIENT_500S, assert_every_rule_exercised, run_suite

VENDOR = resolve_contract("vendor")
PLAN = "trial"
# Two minutes of the pacer's 90 a minute; the burst is on top (it is not paced).
MAX_PACED_REQUESTS = 180


@pytest.mark.slow
def test_the_ci_profile_at_the_trial_plan_exercises_every_rule(tmp_path: Path) -> None:
    with simulator_process(["--rate-limit", PLAN, *TRANSIENT_500S, *LOCAL_WEBHOOKS], contract=VENDOR) as sim:
        run = run_suite(tmp_path, "--base-url", sim.base_url, "--rate-limit", PLAN, "--seed", "1")
    assert run.exit_code == 0, run.output[-3000:]
    assert_every_rule_exercised(run)
    summary = run.summary
    per_second = VENDOR.rate_limits.plans[PLAN].per_second
    assert per_second is not None
    # The burst and its recovery lookup are not paced.
    unpaced = BURST_FACTOR * per_second + 1
    assert summary["requests"] - unpaced <= MAX_PACED_REQUESTS, summary["requests"]
    assert "left out" in summary["budget"], summary["budget"]
