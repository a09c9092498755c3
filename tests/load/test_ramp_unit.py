"""The ramp's pieces without Locust: its schedule, the per-second record, the onset and the gates."""

from __future__ import annotations

import itertools
import math

import pytest

from gatewatch.core.errors import ConfigError
from gatewatch.core.ratelimit import NO_LIMIT, RateLimit
from gatewatch.loadtest.arrival import ArrivalSchedule
from gatewatch.loadtest.gates import evaluate, parse_slo
from gatewatch.loadtest.ramp import LinearRamp, RampPlan, Second, onset, ramp_plan
from gatewatch.loadtest.recorder import Recorder
from gatewatch.loadtest.summary import render_table

T0 = 1_800_000_000.0
SLO = parse_slo({"max_throttled_ratio": 0.01, "throttle_onset_min_fraction": 0.8}, "slo.yaml")


@pytest.mark.parametrize(
    "ramp", [LinearRamp(10, 30, 2, 8), LinearRamp(10, 10, 0, 5), LinearRamp(30, 5, 1, 4)]
)
def test_time_of_inverts_count_on_every_segment(ramp: LinearRamp) -> None:
    for n in range(0, 400, 7):
        assert ramp.count(ramp.time_of(n)) == pytest.approx(n, abs=1e-6)


def test_the_rate_is_flat_through_the_warm_up_then_rises_then_stays() -> None:
    ramp = LinearRamp(25, 75, ramp_at=2, ramp_s=10)
    assert ramp.count(2) == pytest.approx(50)  # 2 s at 25/s
    assert ramp.count(12) - ramp.count(2) == pytest.approx(500)  # the mean of 25 and 75, for 10 s
    assert ramp.count(13) - ramp.count(12) == pytest.approx(75)
    assert [ramp.rate_at(t) for t in (0, 2, 7, 12, 20)] == [25, 25, 50, 75, 75]


def test_the_schedule_hands_out_the_ramps_starts_on_time() -> None:
    plan = RampPlan(RateLimit(per_second=20))
    # Asked once a second, with room for a second's lag: every start is handed out, none dropped.
    schedule = ArrivalSchedule(0.0, 100.0, 1.5, profile=plan.profile(20, ramp_at=0, ramp_s=10))
    per_second = [len(schedule.due(100.0 + s + 1).lags_s) for s in range(12)]
    # 10/s rising to 30/s over 10 s: about 11, 13, ... 29 a second, then 30.
    assert per_second[0] in (10, 11, 12) and per_second[9] in (28, 29, 30) and per_second[11] == 30
    assert sum(per_second[:10]) == pytest.approx(200, abs=1)
    assert all(b >= a for a, b in itertools.pairwise(per_second))


def test_a_ramp_needs_a_per_second_limit() -> None:
    with pytest.raises(ConfigError) as caught:
        ramp_plan(NO_LIMIT)
    assert caught.value.key == "--ramp-past-limit" and "--rate-limit" in str(caught.value)
    with pytest.raises(ConfigError):
        ramp_plan(RateLimit(per_minute=1000))
    assert ramp_plan(RateLimit(per_minute=1000, per_second=50)).per_second == 50


def seconds(*rows: tuple[int, int]) -> dict[int, Second]:
    return {int(T0) + i: Second(offered, throttled, offered) for i, (offered, throttled) in enumerate(rows)}


def test_the_onset_is_the_first_throttled_second_against_the_per_second_limit() -> None:
    found = onset(seconds((10, 0), (15, 0), (21, 2), (25, 5)), RateLimit(per_second=20))
    assert found is not None and found.at_s == 2 and found.offered_per_s == 21
    assert found.fraction == pytest.approx(1.05) and found.window == "second"
    assert onset(seconds((10, 0), (30, 0)), RateLimit(per_second=20)) is None


def test_a_per_minute_limit_reached_first_counts_as_documented() -> None:
    # 40/s against 1000/min and 50/s: the minute runs out after 25 s, at 0.8 of the second's limit.
    rows = [(40, 0)] * 24 + [(40, 3)]
    found = onset(seconds(*rows), RateLimit(per_minute=1000, per_second=50))
    assert found is not None and found.window == "minute" and found.offered_per_min == 1000
    assert found.fraction == pytest.approx(1.0)


def ramp_recorder(rows: list[tuple[int, int]]) -> Recorder:
    recorder = Recorder(measure_from=T0)
    for i, (offered, throttled) in enumerate(rows):
        recorder.schedule(offered, {}, T0 + i + 0.5)
        for n in range(offered):
            recorder.record("known", 2.0, False, T0 + i + 0.5, throttled=n < throttled)
    return recorder


def gates(recorder: Recorder, ramp: RampPlan | None) -> dict[str, object]:
    return {r.name: r for r in evaluate(SLO, recorder, active=["known"], open_model=True, ramp=ramp)}


def test_the_onset_gate_passes_at_the_limit_fails_far_below_and_never_passes_on_nothing() -> None:
    plan = RampPlan(RateLimit(per_second=20))
    at_limit = gates(ramp_recorder([(10, 0), (15, 0), (20, 1), (25, 5)]), plan)["throttle onset"]
    assert at_limit.status == "pass" and at_limit.measured == pytest.approx(1.0)  # type: ignore[attr-defined]
    early = gates(ramp_recorder([(10, 4), (15, 9), (20, 14)]), plan)["throttle onset"]
    assert early.status == "fail" and early.measured == pytest.approx(0.5)  # type: ignore[attr-defined]
    never = gates(ramp_recorder([(10, 0), (30, 0)]), plan)["throttle onset"]
    assert never.status == "fail" and "no 429 up to 30 req/s" in never.detail  # type: ignore[attr-defined]


def test_the_throttled_ratio_counts_429s_apart_from_failures_and_requests() -> None:
    recorder = ramp_recorder([(100, 3)])
    counts = recorder.counts["known"]
    assert (counts.requests, counts.throttled, counts.failures) == (97, 3, 0)
    assert recorder.histograms.count("known") == 97  # a 429's latency is not a lookup's
    result = gates(recorder, None)
    assert result["throttled ratio"].status == "fail"  # type: ignore[attr-defined]
    assert result["throttled ratio"].measured == pytest.approx(0.03)  # type: ignore[attr-defined]
    assert result["throttle onset"].status == "skip"  # type: ignore[attr-defined]
    assert gates(recorder, RampPlan(RateLimit(per_second=20)))["throttled ratio"].status == "skip"  # type: ignore[attr-defined]
    table = render_table(list(gates(recorder, None).values()), SLO, recorder)  # type: ignore[arg-type]
    assert "throttled (429, not failures): 3 of 100 requests (3.00%): known 3" in table


def test_seconds_merge_across_workers() -> None:
    single = ramp_recorder([(10, 0), (20, 4)])
    a, b = ramp_recorder([(6, 0), (12, 2)]), ramp_recorder([(4, 0), (8, 2)])
    merged = Recorder(measure_from=T0)
    merged.merge(a.delta())
    merged.merge(b.delta())
    assert merged.seconds == single.seconds
    assert merged.total().throttled == single.total().throttled == 4
    assert a.seconds == {}  # a delta forgets what it shipped


@pytest.mark.parametrize(
    ("doc", "key"),
    [
        ({"max_throttled_ratio": 1.5}, "max_throttled_ratio"),
        ({"max_failure_ratio": 0.1, "throttle_onset_min_fraction": 0}, "throttle_onset_min_fraction"),
        ({"max_failure_ratio": 0.1, "throttle_onset_min_fraction": 1.2}, "throttle_onset_min_fraction"),
    ],
)
def test_bad_throttle_gates_name_their_key(doc: dict[str, float], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_slo(doc, "slo.yaml")
    assert caught.value.key == key


def test_a_ramp_of_no_length_is_a_step_to_its_end_rate() -> None:
    step = RampPlan(RateLimit(per_second=10)).profile(10, ramp_at=1, ramp_s=0)
    assert [step.rate_at(t) for t in (0, 1, 1.5, 5)] == [5, 5, 15, 15]
    assert step.count(2) == pytest.approx(5 + 15)
    assert step.time_of(20) == pytest.approx(2) and not math.isnan(step.time_of(7))
