"""--ramp-past-limit: an open-model ramp from 0.5x to 1.5x the per-second limit, gated on where 429s start.

A conforming limiter throttles once the offered rate reaches the documented limit; the
simulator's `throttle_early` defect throttles at a quarter of it, so 429s start with the
ramp (at half the limit) and the onset gate fails. Without a known limit the option is a
usage error.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.load.conftest import Run

LIMIT = "50/s"
DURATION = "10s"  # warm-up 2 s, then about 7 s of ramp from 25 to 75 a second
SIM_KEY = {"GATEWATCH_API_KEY": "key-a"}


def test_without_a_known_limit_the_ramp_is_a_usage_error(gatewatch_load: Callable[..., Run]) -> None:
    run = gatewatch_load("--ramp-past-limit")
    assert run.code == 2, run.output[-3000:]
    (line,) = run.stderr.strip().splitlines()
    assert "--ramp-past-limit" in line and "--rate-limit" in line
    assert not run.reports.exists()


def test_the_ramp_passes_when_throttling_starts_at_the_documented_limit(
    gatewatch_load: Callable[..., Run],
) -> None:
    run = gatewatch_load("--ramp-past-limit", "--rate-limit", LIMIT, duration=DURATION)
    assert run.code == 0, run.output[-4000:]
    onset = run.gate("throttle onset")
    assert onset["status"] == "pass" and 0.8 <= onset["measured"] <= 1.5, onset
    assert run.gate("throttled ratio")["status"] == "skip"
    ramp = run.summary["ramp"]
    assert ramp["limit"] == LIMIT and ramp["onset"]["window"] == "second"
    offered = [s["offered"] for s in ramp["seconds"]]
    # The ramp rose from below the limit to above it, and the early seconds were not throttled.
    assert offered[0] < 50 < max(offered), offered
    first_throttled = next(i for i, s in enumerate(ramp["seconds"]) if s["throttled"])
    assert first_throttled > 0 and offered[first_throttled] >= 40


@pytest.mark.parametrize("defect", ["throttle_early"])
def test_the_ramp_fails_when_throttling_starts_far_below_the_limit(
    gatewatch_load: Callable[..., Run], simulator: Callable[..., str], defect: str
) -> None:
    url = simulator("--rate-limit", LIMIT, "--defect", defect)
    run = gatewatch_load(
        "--base-url", url, "--ramp-past-limit", "--rate-limit", LIMIT, env=SIM_KEY, duration=DURATION
    )
    assert run.code == 1, run.output[-4000:]
    onset = run.gate("throttle onset")
    assert onset["status"] == "fail" and onset["measured"] < 0.8, onset
    assert "throttle onset" in run.failed_gates()
    # From the start of the ramp: its first second offers twice the defect's limit, but the
    # limiter's one-second windows need not line up with the ramp's, so it may split them.
    assert any(second["throttled"] > 0 for second in run.summary["ramp"]["seconds"][:2])
