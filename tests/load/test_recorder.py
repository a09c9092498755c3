"""The recorder: warm-up apart, a measured window, and deltas that merge to the same totals."""

from __future__ import annotations

import pytest

from gatewatch.loadtest.recorder import EXAMPLES_PER_RULE, Recorder

T0 = 1_800_000_000.0


def test_requests_before_the_warm_up_ends_are_counted_apart_and_not_gated() -> None:
    recorder = Recorder(measure_from=T0 + 5)
    recorder.record("known", 900.0, True, T0 + 1)
    recorder.record("known", 10.0, False, T0 + 6)
    recorder.record("known", 20.0, True, T0 + 8)
    counts = recorder.counts["known"]
    assert (counts.requests, counts.failures) == (2, 1)
    assert (counts.warmup_requests, counts.warmup_failures) == (1, 1)
    assert recorder.histograms.count("known") == 2
    assert recorder.window_s == (T0 + 8 + 0.020) - (T0 + 6)


def test_before_the_setup_everything_is_warm_up() -> None:
    recorder = Recorder()
    recorder.record("known", 5.0, False, T0)
    recorder.schedule(3, {"late": 1}, T0)
    assert recorder.total().requests == 0
    assert recorder.scheduled == 0


def test_worker_deltas_merge_into_the_totals_of_one_process() -> None:
    single, worker_a, worker_b = (
        Recorder(measure_from=T0),
        Recorder(measure_from=T0),
        Recorder(measure_from=T0),
    )
    for i in range(200):
        kind = ("known", "batch")[i % 2]
        latency, failed, at = 1.0 + i, i % 7 == 0, T0 + i / 10
        single.record(kind, latency, failed, at)
        (worker_a if i < 120 else worker_b).record(kind, latency, failed, at)
    for recorder in (single, worker_a, worker_b):
        recorder.schedule(10, {"no_slot": 2, "late": 1}, T0 + 1)
    master = Recorder()
    # Two reports from worker a (the second one empty), one from b: deltas do not repeat.
    master.merge(worker_a.delta())
    master.merge(worker_a.delta())
    master.merge(worker_b.delta())
    assert master.total() == single.total()
    assert master.scheduled == 2 * single.scheduled
    assert master.dropped == {"no_slot": 4, "late": 2}
    assert master.window_s == single.window_s
    for percentile in (50, 99, 100):
        assert master.histograms.percentile_ms("known", percentile) == single.histograms.percentile_ms(
            "known", percentile
        )


def test_violations_keep_counts_and_a_few_examples_per_rule() -> None:
    worker, master = Recorder(), Recorder()
    for i in range(10):
        worker.violation("status_in_enum", f"example {i}")
    master.merge(worker.delta())
    master.merge({"violations": {"status_in_enum": 5}, "examples": {"status_in_enum": ["more"]}})
    assert master.violations["status_in_enum"] == 15
    assert len(master.examples["status_in_enum"]) == EXAMPLES_PER_RULE


def test_a_worker_setup_error_reaches_the_master() -> None:
    worker, master = Recorder(), Recorder()
    worker.setup_error = {"message": "no id on SMS", "exit_code": 1}
    master.merge(worker.delta())
    assert master.setup_error == {"message": "no id on SMS", "exit_code": 1}


def test_the_response_time_from_the_intended_start_and_the_service_time_are_kept_apart_and_merge() -> None:
    master, worker = Recorder(measure_from=T0), Recorder(measure_from=T0)
    for i in range(100):
        # A request that waited 500 ms for a slot, then was answered in 2 ms.
        worker.record("known", 502.0, False, T0 + i / 10, service_ms=2.0)
    master.merge(worker.delta())
    assert master.histograms.percentile_ms("known", 50) == pytest.approx(502.0, rel=0.001)  # HDR bucket
    assert master.service.percentile_ms("known", 50) == pytest.approx(2.0, rel=0.001)
    assert master.service.count("known") == master.histograms.count("known") == 100
    # Nothing is shipped twice: the worker forgot what it sent.
    assert worker.service.count("known") == 0
