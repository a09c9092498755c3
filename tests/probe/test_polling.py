"""The backoff schedule: within the budget, ending at the deadline, dense early."""

from __future__ import annotations

import itertools

import pytest

from gatewatch.core.errors import ConfigError
from gatewatch.probe.polling import Backoff, confirm_wait, schedule


@pytest.mark.parametrize("deadline", [0.5, 1.0, 10.0, 60.0, 120.0, 600.0, 86400.0])
@pytest.mark.parametrize("reserve", [0, 2])
def test_budget_deadline_and_order(deadline, reserve):
    backoff = Backoff()
    offsets = schedule(0.1, deadline, backoff, reserve=reserve)
    assert len(offsets) <= backoff.max_lookups - reserve
    assert offsets[0] == 0.1 and offsets[-1] == deadline
    assert list(offsets) == sorted(set(offsets))


def test_early_lookups_are_close_together():
    offsets = schedule(0.1, 60.0, Backoff())
    gaps = [b - a for a, b in itertools.pairwise(offsets)]
    assert gaps[0] == pytest.approx(0.1)
    assert gaps[:-1] == sorted(gaps[:-1])  # growing, except the clip at the deadline


def test_a_short_budget_stretches_the_growth_instead_of_leaving_a_gap():
    backoff = Backoff(max_lookups=6, max_interval_s=1.0)
    offsets = schedule(0.1, 600.0, backoff)
    assert len(offsets) == 6
    # Without stretching the fifth lookup would be near 4 s and the next at 600 s; with it
    # the gaps keep growing geometrically right up to the deadline.
    gaps = [b - a for a, b in itertools.pairwise(offsets)]
    ratios = [b / a for a, b in itertools.pairwise(gaps)]
    assert offsets[-2] > 10.0
    assert max(ratios) <= ratios[0] * 1.001


def test_initial_delay_past_the_deadline_looks_once():
    assert schedule(5.0, 2.0, Backoff()) == (2.0,)


def test_confirm_wait_uses_the_current_interval_capped():
    offsets = (0.1, 0.2, 0.35, 0.575, 10.0)
    assert confirm_wait(offsets, 0.36, 2.0) == pytest.approx(0.225)
    assert confirm_wait(offsets, 0.6, 2.0) == 2.0


@pytest.mark.parametrize(
    "changes",
    [{"first_interval_s": 0.0}, {"factor": 0.5}, {"max_lookups": 0}, {"max_interval_s": 0.01}],
)
def test_invalid_backoff(changes):
    with pytest.raises(ConfigError):
        Backoff(**changes)
