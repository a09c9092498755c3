"""How much the suite does: the profiles, and the plan of a run's requests under a rate limit.

A profile says how many Hypothesis examples each property test draws, how many
state-machine programs (of how many steps) run, and how many minutes of paced traffic a
run may take under a rate limit (`budget_minutes`). Against a rate-limited target the
run's requests are planned from that budget by `plan_run`, a pure function of the
profile, the limit and what each collected test costs in requests:

1. every test function once (its first variant on a channel the target uses; a
   generated test with one example, the state machine with one short program), so every
   rule is exercised whatever the budget; at the trial plan this alone is the run;
2. then the other variants (the same checks on the other channels), in collection order,
   while they fit in the budget; those that do not are left out of the run (deselected,
   and said in the budget line): their rules were exercised by the first variant;
3. then what is left of the budget goes to generated examples, shared evenly (in
   requests) over the generated tests that run, none above the profile's numbers; what a
   test cannot use (it reached the profile's examples) goes to the others.

A fixed test's cost is an estimate (`FIXED_TEST_COST`, the median of the suite's own); a
generated test's is its marker's, per example (`gw_examples(cost)`). Without a rate
limit nothing is planned: every test runs with the profile's numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from gatewatch.core.options.contract import DEFAULT_PROFILE
from gatewatch.core.ratelimit import RateLimit

#: Requests a fixed (not generated) suite test makes, estimated: the median of the suite's
#: own at the default recipients (the heaviest, the nasty ids and the recipient follow-ups,
#: make about twice that, the key checks a quarter).
FIXED_TEST_COST = 8.0
#: The fewest examples a generated test draws when the budget is short, and the fewest
#: programs (of the fewest steps) the state machine runs.
MIN_EXAMPLES = 1
# Two programs: Hypothesis's first is the simplest it can draw, an empty one.
MIN_RUNS = 2
MIN_STEPS = 5
_SECONDS_PER_MINUTE = 60
# Enough halvings of the share to pin it to well under a request.
_BISECTIONS = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """One profile: examples per property, state-machine programs and steps, budgets."""

    name: str
    examples: int
    machine_runs: int
    machine_steps: int
    #: Seconds Hypothesis may spend shrinking one failure (see suite.budget).
    shrink_budget_s: float
    #: Minutes of paced traffic a run may take under a rate limit (see plan_run).
    budget_minutes: float
    #: Whether a failing state-machine program is shrunk (each attempt replays sends and waits).
    shrinks_programs: bool


PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        Profile(
            name=DEFAULT_PROFILE,
            examples=25,
            machine_runs=8,
            machine_steps=12,
            shrink_budget_s=3.0,
            # A minute of paced traffic is what the pacer lets out at once before the trailing
            # minute fills: a plan that fits never waits on the minute window (about 20 s at
            # the production plan, burst included). At the trial plan (100/min) the must-run
            # requests alone are more: they wait out the window once, well under two minutes.
            budget_minutes=1.0,
            shrinks_programs=False,
        ),
        Profile(
            name="deep",
            examples=360,
            machine_runs=60,
            machine_steps=40,
            shrink_budget_s=120.0,
            # Nightly: the whole profile fits at the production plan; a trial key gets 30
            # minutes of it rather than hours.
            budget_minutes=30.0,
            shrinks_programs=True,
        ),
    )
}


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedTest:
    """A collected suite test as the planner sees it."""

    #: The test's id (pytest's node id).
    id: str
    #: The test function: its variants (one per channel) share it.
    function: str
    #: The channel the variant runs on, or None for a test of no channel.
    channel: str | None = None
    #: Requests one generated example makes; None for a fixed test.
    example_cost: float | None = None
    #: Whether the examples are state-machine steps (the cost is then per step).
    stateful: bool = False
    #: Requests a fixed test makes.
    fixed_cost: float = FIXED_TEST_COST

    @property
    def generated(self) -> bool:
        """Whether the test draws examples (a property test or the state machine)."""
        return self.example_cost is not None

    def least(self) -> float:
        """Requests the test makes at the least: its fewest examples (or steps), or its fixed cost."""
        if self.example_cost is None:
            return self.fixed_cost
        return self.example_cost * (MIN_RUNS * MIN_STEPS if self.stateful else MIN_EXAMPLES)

    def most(self, profile: Profile) -> float:
        """Requests the test makes at the most under `profile`: all its examples (or steps)."""
        if self.example_cost is None:
            return self.fixed_cost
        most = profile.machine_runs * profile.machine_steps if self.stateful else profile.examples
        return self.example_cost * most


def paced_per_minute(limit: RateLimit, fraction: float) -> int | None:
    """Requests a minute the harness allows itself under `limit` (None: unlimited)."""
    rates = [
        max(1, math.floor(fraction * allowed)) * (_SECONDS_PER_MINUTE / window)
        for window, allowed in limit.windows()
    ]
    return math.floor(min(rates)) if rates else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """The plan of one run: which tests run, and what each generated test may draw."""

    profile: Profile
    #: The run's request budget, or None when nothing is planned (no rate limit).
    requests: int | None = None
    #: Requests each generated test may make, or None: the profile's numbers.
    share: float | None = None
    #: How many generated tests share the budget.
    generated_tests: int = 0
    #: Tests in the run, and the requests the plan expects of them.
    tests: int = 0
    planned_requests: int = 0
    #: The ids of the tests left out of the run by the budget (their rules run elsewhere).
    planned_out: tuple[str, ...] = ()

    def examples(self, cost: float = 1.0) -> int:
        """Examples for a property test whose examples make `cost` requests each."""
        if self.share is None:
            return self.profile.examples
        return _clamp(math.floor(self.share / max(cost, 1e-9)), MIN_EXAMPLES, self.profile.examples)

    def machine(self, cost_per_step: float = 1.0) -> tuple[int, int]:
        """(programs, steps per program) for the state machine."""
        runs, steps = self.profile.machine_runs, self.profile.machine_steps
        if self.share is None:
            return runs, steps
        affordable = self.share / max(cost_per_step, 1e-9)
        runs = _clamp(math.floor(affordable / steps), MIN_RUNS, runs)
        steps = _clamp(math.floor(affordable / runs), MIN_STEPS, steps)
        return runs, steps

    def describe(self) -> str:
        """One line for the report header and summary.json."""
        if self.requests is None:
            return f"profile {self.profile.name}: {self.profile.examples} examples per property"
        head = (
            f"profile {self.profile.name} under the rate limit: a budget of {self.requests} requests, "
            f"about {self.planned_requests} planned for {self.tests} tests"
        )
        if self.planned_requests > self.requests:
            head += " (over the budget: every check once needs that much)"
        if self.planned_out:
            head += f"; {len(self.planned_out)} variants on further channels left out"
        if self.generated_tests == 0 or self.share is None:
            return head
        return f"{head}, {self.share:.0f} per generated test ({self.generated_tests} tests)"


def budget_requests(profile: Profile, limit: RateLimit, fraction: float) -> int | None:
    """The requests a run with `profile` may make under `limit` paced to `fraction` (None: unlimited)."""
    per_minute = paced_per_minute(limit, fraction)
    if per_minute is None:
        return None
    return math.floor(per_minute * profile.budget_minutes)


def plan_run(
    profile: Profile,
    limit: RateLimit,
    fraction: float,
    tests: Sequence[PlannedTest],
    *,
    channels: Sequence[str] | None = None,
) -> Budget:
    """The plan of a run of `tests` with `profile` against a target limited to `limit` (see the module doc).

    `channels` are the target's: a variant on another channel skips itself at no cost,
    so it is never the one that exercises its function's rules.
    """
    generated = sum(1 for t in tests if t.generated)
    budget = budget_requests(profile, limit, fraction)
    if budget is None:
        return Budget(profile=profile, generated_tests=generated, tests=len(tests))

    def on_target(test: PlannedTest) -> bool:
        return channels is None or test.channel is None or test.channel in channels

    # 1. Every function once, on a channel the target uses.
    first: dict[str, PlannedTest] = {}
    for test in tests:
        if on_target(test) and test.function not in first:
            first[test.function] = test
    must = {test.id for test in first.values()}
    spent = sum(test.least() for test in first.values())
    # 2. The other variants while they fit (off-target ones skip themselves: free, kept).
    out: list[str] = []
    for test in tests:
        if test.id in must or not on_target(test):
            continue
        if spent + test.least() <= budget:
            spent += test.least()
        else:
            out.append(test.id)
    left_out = set(out)
    running = [t for t in tests if t.id not in left_out and on_target(t)]
    # 3. The rest to generated examples, evenly in requests, beyond the least each has.
    least = [t.least() for t in running if t.generated]
    caps = [t.most(profile) for t in running if t.generated]
    share = _even_share(max(0.0, budget - spent) + sum(least), least, caps)
    extra = sum(max(0.0, min(share, cap) - low) for cap, low in zip(caps, least, strict=True))
    return Budget(
        profile=profile,
        requests=budget,
        share=share,
        generated_tests=len(least),
        tests=len(tests) - len(out),
        planned_requests=math.ceil(spent + extra),
        planned_out=tuple(out),
    )


def _even_share(total: float, floors: Sequence[float], caps: Sequence[float]) -> float:
    """The most each test may take so that together they take at most `total` (at least their floors).

    Test i takes its floor, or the share, or its cap, whichever is between: what a capped
    test cannot use goes to the others. A bisection: the total taken grows with the share.
    """
    if not caps:
        return total

    def taken(share: float) -> float:
        return sum(max(low, min(cap, share)) for low, cap in zip(floors, caps, strict=True))

    low, high = 0.0, max(caps)
    if taken(high) <= total:
        return high
    for _ in range(_BISECTIONS):  # bounded: each halves the interval
        middle = (low + high) / 2
        low, high = (middle, high) if taken(middle) <= total else (low, middle)
    return low


def _clamp(value: int, low: int, high: int) -> int:
    return max(min(value, high), min(low, high))
