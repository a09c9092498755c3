"""How much the suite generates: the profiles, and the ci profile's budget under a rate limit.

A profile says how many Hypothesis examples each property test draws and how many
state-machine programs (of how many steps) run. Against a rate-limited target the ci
profile must still finish in about two minutes, so its generated traffic adapts:

- the run's request budget is `BUDGET_MINUTES` (1.5) minutes of the paced rate: at
  1,000 a minute paced to 90 %, 1,350 requests;
- `GENERATED_SHARE` (half) of it goes to generated examples; the other half is left for
  the checks that do not scale (the fleet, nasty ids, limits, precedence, the lifecycle
  follow-ups and the rate-limit burst);
- that half is split evenly over the generated tests of the run (each property test
  per channel, and the state machine), and each test draws `share / cost` examples,
  `cost` being the requests one example makes (marker `gw_examples(cost)`);
- never more than the profile says, never fewer than `MIN_EXAMPLES` (a test of one
  example is not a property test); the state machine keeps its step count and runs
  fewer programs, then shorter ones, down to `MIN_RUNS` x `MIN_STEPS`.

The deep profile does not adapt: it is for nightly runs, which may take as long as the
limit makes them. Without a rate limit nothing adapts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gatewatch.ratelimit import RateLimit

BUDGET_MINUTES = 1.5
GENERATED_SHARE = 0.5
MIN_EXAMPLES = 3
MIN_RUNS = 2
MIN_STEPS = 5
_SECONDS_PER_MINUTE = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """One profile: examples per property, state-machine programs and steps, shrink budget."""

    name: str
    examples: int
    machine_runs: int
    machine_steps: int
    #: Seconds Hypothesis may spend shrinking one failure (see suite.budget).
    shrink_budget_s: float
    #: Whether the generated traffic scales down under a rate limit.
    adapts: bool
    #: Whether a failing state-machine program is shrunk (each attempt replays sends and waits).
    shrinks_programs: bool


PROFILES: dict[str, Profile] = {
    "ci": Profile(
        name="ci",
        examples=25,
        machine_runs=8,
        machine_steps=12,
        shrink_budget_s=3.0,
        adapts=True,
        shrinks_programs=False,
    ),
    "deep": Profile(
        name="deep",
        examples=360,
        machine_runs=60,
        machine_steps=40,
        shrink_budget_s=120.0,
        adapts=False,
        shrinks_programs=True,
    ),
}


def paced_per_minute(limit: RateLimit, fraction: float) -> int | None:
    """Requests a minute the harness allows itself under `limit` (None: unlimited)."""
    rates = [
        max(1, math.floor(fraction * allowed)) * (_SECONDS_PER_MINUTE / window)
        for window, allowed in limit.windows()
    ]
    return math.floor(min(rates)) if rates else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """What each generated test of one run may draw, from the profile and the target's limit."""

    profile: Profile
    #: The run's request budget, or None when nothing adapts.
    requests: int | None = None
    #: How many generated tests share the budget.
    generated_tests: int = 1

    @property
    def share(self) -> float | None:
        """Requests each generated test may make, or None when unbounded."""
        if self.requests is None:
            return None
        return self.requests * GENERATED_SHARE / max(1, self.generated_tests)

    def examples(self, cost: float = 1.0) -> int:
        """Examples for a property test whose examples make `cost` requests each."""
        share = self.share
        if share is None:
            return self.profile.examples
        return _clamp(math.floor(share / max(cost, 1e-9)), MIN_EXAMPLES, self.profile.examples)

    def machine(self, cost_per_step: float = 1.0) -> tuple[int, int]:
        """(programs, steps per program) for the state machine."""
        runs, steps = self.profile.machine_runs, self.profile.machine_steps
        share = self.share
        if share is None:
            return runs, steps
        affordable = share / max(cost_per_step, 1e-9)
        runs = _clamp(math.floor(affordable / steps), MIN_RUNS, runs)
        steps = _clamp(math.floor(affordable / runs), MIN_STEPS, steps)
        return runs, steps

    def describe(self) -> str:
        """One line for the report header and summary.json."""
        if self.requests is None:
            return f"profile {self.profile.name}: {self.profile.examples} examples per property"
        head = f"profile {self.profile.name} under the rate limit: about {self.requests} requests"
        if self.generated_tests == 0:
            return f"{head}, no generated test in this run"
        return f"{head}, {self.share:.0f} per generated test ({self.generated_tests} tests)"


def budget_for(profile: Profile, limit: RateLimit, fraction: float, generated_tests: int) -> Budget:
    """The budget of a run with `profile` against a target limited to `limit` (paced to `fraction`)."""
    per_minute = paced_per_minute(limit, fraction)
    if per_minute is None or not profile.adapts:
        return Budget(profile=profile, generated_tests=generated_tests)
    return Budget(
        profile=profile,
        requests=math.floor(per_minute * BUDGET_MINUTES),
        generated_tests=generated_tests,
    )


def _clamp(value: int, low: int, high: int) -> int:
    return max(min(value, high), min(low, high))
