"""The plan of a run's requests under a rate limit: every rule first, then generated examples.

`plan_run` is a pure function of the profile, the limit and the collected tests' costs;
these tables check it on the suite's own shape (17 fixed functions and 7 generated ones,
most on each of 3 channels) at each plan of the vendor's, without running anything.
"""

from __future__ import annotations

import pytest

from gatewatch.contract import default_contract
from gatewatch.core.ratelimit import NO_LIMIT, RateLimit
from gatewatch.suite.profiles import (
    FIXED_TEST_COST,
    MIN_EXAMPLES,
    MIN_RUNS,
    MIN_STEPS,
    PROFILES,
    Budget,
    PlannedTest,
    Profile,
    budget_requests,
    paced_per_minute,
    plan_run,
)

CI, DEEP = PROFILES["ci"], PROFILES["deep"]
PLANS = default_contract().rate_limits.plans
PRODUCTION, TRIAL = PLANS["production"], PLANS["trial"]
CHANNELS = ("SMS", "RCS", "WHATSAPP")
# (function, on every channel?, requests per example or None for a fixed test)
SHAPE = [
    *((f"fixed_{i}", True, None) for i in range(14)),
    *((f"fixed_plain_{i}", False, None) for i in range(3)),
    *((f"generated_{i}", True, cost) for i, cost in enumerate((1, 1, 1, 1, 1, 4))),
    ("machine", False, 2.0),
]


def suite(channels: tuple[str, ...] = CHANNELS) -> list[PlannedTest]:
    tests = []
    for function, per_channel, cost in SHAPE:
        for channel in channels if per_channel else (None,):
            tests.append(
                PlannedTest(
                    id=f"{function}[{channel}]",
                    function=function,
                    channel=channel,
                    example_cost=cost,
                    stateful=function == "machine",
                )
            )
    return tests


def requests_of(budget: Budget, tests: list[PlannedTest]) -> float:
    """What the planned run makes, by the planner's own costs (examples as Budget.examples says)."""
    total = 0.0
    for t in tests:
        if t.id in budget.planned_out:
            continue
        if t.example_cost is None:
            total += t.fixed_cost
        elif t.stateful:
            runs, steps = budget.machine(t.example_cost)
            total += runs * steps * t.example_cost
        else:
            total += budget.examples(t.example_cost) * t.example_cost
    return total


def functions_run(budget: Budget, tests: list[PlannedTest]) -> set[str]:
    return {t.function for t in tests if t.id not in budget.planned_out}


def test_paced_rate_is_the_tighter_window() -> None:
    assert paced_per_minute(PRODUCTION, 0.9) == 900  # 1000/min paced; 45/s would allow 2,700
    assert paced_per_minute(RateLimit(per_second=10), 0.9) == 540
    assert paced_per_minute(NO_LIMIT, 0.9) is None


def test_unlimited_runs_use_the_profile_as_is() -> None:
    budget = plan_run(CI, NO_LIMIT, 0.9, suite())
    assert budget.requests is None and budget.planned_out == ()
    assert budget.examples(cost=4) == CI.examples
    assert budget.machine(cost_per_step=2) == (CI.machine_runs, CI.machine_steps)


@pytest.mark.parametrize(
    ("profile", "limit", "everything_runs", "examples_at_cost_1"),
    [
        (CI, PRODUCTION, True, CI.examples),
        (CI, TRIAL, False, MIN_EXAMPLES),
        (CI, RateLimit(per_minute=300, per_second=10), False, 1),
        (CI, RateLimit(per_minute=6000, per_second=100), True, CI.examples),
        (DEEP, PRODUCTION, True, DEEP.examples),
        (DEEP, TRIAL, True, 123),
    ],
    ids=["ci-production", "ci-trial", "ci-300", "ci-test-limit", "deep-production", "deep-trial"],
)
def test_every_function_runs_and_the_plan_keeps_to_the_budget(
    profile: Profile, limit: RateLimit, everything_runs: bool, examples_at_cost_1: int
) -> None:
    tests = suite()
    budget = plan_run(profile, limit, 0.9, tests)
    assert functions_run(budget, tests) == {function for function, _, _ in SHAPE}
    assert (budget.planned_out == ()) is everything_runs
    assert budget.examples(cost=1) == examples_at_cost_1
    assert budget.requests is not None
    # The must-run part alone may exceed a tiny budget; beyond it, the plan keeps to it.
    assert requests_of(budget, tests) <= max(budget.requests, must_run(tests)) + 1


def must_run(tests: list[PlannedTest]) -> float:
    first: dict[str, PlannedTest] = {}
    for t in tests:
        first.setdefault(t.function, t)
    return sum(t.least() for t in first.values())


def test_at_the_trial_plan_the_ci_run_is_each_function_once_with_one_example() -> None:
    tests = suite()
    budget = plan_run(CI, TRIAL, 0.9, tests)
    assert budget.requests == budget_requests(CI, TRIAL, 0.9) == 90  # a minute at 90 % of 100/min
    assert len(budget.planned_out) == len(tests) - len(SHAPE)
    assert all(not t.endswith("[SMS]") for t in budget.planned_out)  # the first channel runs
    assert budget.examples(cost=4) == 1
    assert budget.machine(cost_per_step=2) == (MIN_RUNS, MIN_STEPS)
    # Every check once is more than a minute's pacing: the run waits out the minute once.
    assert requests_of(budget, tests) == must_run(tests) == budget.planned_requests > budget.requests
    assert "over the budget" in budget.describe() and "left out" in budget.describe()


def test_at_the_production_plan_ci_runs_everything_and_shares_the_rest() -> None:
    tests = suite()
    budget = plan_run(CI, PRODUCTION, 0.9, tests)
    assert budget.requests == 900 and budget.planned_out == ()
    assert budget.examples(cost=4) < CI.examples  # the batch test, 4 requests an example
    assert budget.examples(cost=1) == CI.examples
    assert MIN_RUNS <= budget.machine(cost_per_step=2)[0] <= CI.machine_runs
    assert requests_of(budget, tests) <= budget.requests
    # What the capped tests could not use went to the batch test.
    assert budget.share is not None and budget.share > (900 - 17 * 3 * FIXED_TEST_COST) / 19


def test_the_deep_profile_adapts_with_a_larger_budget() -> None:
    tests = suite()
    ci, deep = plan_run(CI, TRIAL, 0.9, tests), plan_run(DEEP, TRIAL, 0.9, tests)
    assert deep.requests is not None and ci.requests is not None
    assert deep.requests == 90 * DEEP.budget_minutes > ci.requests
    assert ci.examples(cost=1) < deep.examples(cost=1) < DEEP.examples
    assert requests_of(deep, tests) <= deep.requests
    assert "profile deep" in deep.describe()


def test_a_variant_on_a_channel_the_target_lacks_is_never_the_one_that_runs_its_rules() -> None:
    tests = suite()
    budget = plan_run(CI, TRIAL, 0.9, tests, channels=("WHATSAPP",))
    kept = {t.id for t in tests if t.id not in budget.planned_out}
    assert "fixed_0[WHATSAPP]" in kept
    # The SMS and RCS variants skip themselves at no cost: never planned out, never counted.
    assert not any(t.endswith(("[SMS]", "[RCS]")) for t in budget.planned_out)
