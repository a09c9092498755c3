"""The HDR histograms: the stated precision holds, and merging loses nothing."""

from __future__ import annotations

import math
import random

from gatewatch.loadtest.histograms import HIGHEST_US, LatencyHistograms


def exact_percentile_us(values_us: list[int], percentile: float) -> int:
    """Nearest-rank percentile, the definition the histograms approximate."""
    ordered = sorted(values_us)
    rank = max(1, int(percentile / 100 * len(ordered) + 0.5))
    return ordered[rank - 1]


def test_percentiles_are_never_below_and_at_most_a_thousandth_above_the_exact_ones() -> None:
    rng = random.Random(7)
    # Long-tailed like real latencies: most near 5 ms, some of several seconds.
    values_ms = [rng.lognormvariate(math.log(5), 1.2) for _ in range(20_000)]
    histograms = LatencyHistograms()
    for value in values_ms:
        histograms.record_ms("known", value)
    values_us = [max(1, round(v * 1000)) for v in values_ms]
    for percentile in (50.0, 90.0, 95.0, 99.0, 99.9):
        exact = exact_percentile_us(values_us, percentile) / 1000
        reported = histograms.percentile_ms("known", percentile)
        assert reported is not None
        assert exact <= reported <= exact * 1.001 + 0.001, percentile


def test_merging_encoded_halves_equals_recording_everything_in_one_place() -> None:
    rng = random.Random(3)
    values = [rng.uniform(0.5, 800) for _ in range(5_000)]
    whole, first, second = LatencyHistograms(), LatencyHistograms(), LatencyHistograms()
    for i, value in enumerate(values):
        whole.record_ms("batch", value)
        (first if i % 2 else second).record_ms("batch", value)
    merged = LatencyHistograms()
    merged.merge_encoded(first.encode())
    merged.merge_encoded(second.encode())
    assert merged.count("batch") == whole.count("batch") == len(values)
    for percentile in (50.0, 95.0, 99.0, 99.9, 100.0):
        assert merged.percentile_ms("batch", percentile) == whole.percentile_ms("batch", percentile)


def test_values_beyond_the_range_are_clamped_and_counted() -> None:
    histograms = LatencyHistograms()
    histograms.record_ms("known", 120_000.0)
    assert histograms.clamped == 1
    reported = histograms.percentile_ms("known", 100.0)
    assert reported is not None
    assert HIGHEST_US / 1000 <= reported <= HIGHEST_US / 1000 * 1.001


def test_an_empty_kind_has_no_percentile_and_the_combined_view_merges_kinds() -> None:
    histograms = LatencyHistograms()
    assert histograms.percentile_ms("unknown", 99) is None
    histograms.record_ms("known", 10.0)
    histograms.record_ms("unknown", 30.0)
    combined = histograms.combined(["known", "unknown", "batch"], "all")
    assert combined.count("all") == 2
    assert (combined.percentile_ms("all", 100.0) or 0) >= 30.0
