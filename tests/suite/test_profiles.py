"""The ci profile's generated traffic adapts to a rate limit; the deep profile and unlimited runs do not."""

from __future__ import annotations

from gatewatch.contract import default_contract
from gatewatch.ratelimit import NO_LIMIT, RateLimit
from gatewatch.suite.profiles import (
    BUDGET_MINUTES,
    MIN_EXAMPLES,
    MIN_RUNS,
    MIN_STEPS,
    PROFILES,
    budget_for,
    paced_per_minute,
)

CI, DEEP = PROFILES["ci"], PROFILES["deep"]
PRODUCTION = default_contract().rate_limits.plans["production"]


def test_paced_rate_is_the_tighter_window() -> None:
    assert paced_per_minute(PRODUCTION, 0.9) == 900  # 1000/min paced; 45/s would allow 2,700
    assert paced_per_minute(RateLimit(per_second=10), 0.9) == 540
    assert paced_per_minute(NO_LIMIT, 0.9) is None


def test_unlimited_runs_use_the_profile_as_is() -> None:
    budget = budget_for(CI, NO_LIMIT, 0.9, generated_tests=19)
    assert budget.requests is None
    assert budget.examples(cost=4) == CI.examples
    assert budget.machine(cost_per_step=2) == (CI.machine_runs, CI.machine_steps)


def test_at_the_production_limit_the_budget_is_a_minute_and_a_half_of_paced_traffic() -> None:
    budget = budget_for(CI, PRODUCTION, 0.9, generated_tests=19)
    assert budget.requests == int(900 * BUDGET_MINUTES)
    share = budget.share
    assert share is not None
    assert budget.examples(cost=1) == min(CI.examples, int(share))
    assert budget.examples(cost=4) == int(share / 4) < CI.examples
    runs, steps = budget.machine(cost_per_step=2)
    assert runs * steps * 2 <= share + steps * 2
    assert MIN_RUNS <= runs < CI.machine_runs


def test_a_tiny_limit_keeps_each_test_a_property_test() -> None:
    budget = budget_for(CI, RateLimit(per_minute=60), 0.9, generated_tests=19)
    assert budget.examples(cost=4) == MIN_EXAMPLES
    assert budget.machine(cost_per_step=2) == (MIN_RUNS, MIN_STEPS)


def test_the_deep_profile_does_not_adapt() -> None:
    budget = budget_for(DEEP, PRODUCTION, 0.9, generated_tests=19)
    assert budget.examples(cost=4) == DEEP.examples
    assert "profile deep" in budget.describe()
