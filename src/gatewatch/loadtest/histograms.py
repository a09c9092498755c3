"""Latency histograms of known precision, one per request kind, that merge across processes.

Locust keeps response times rounded to about two significant digits above 100 ms, so a
percentile read from its statistics can be off by several percent. The gates read these
HDR histograms instead: values in microseconds from 1 µs to 60 s, 3 significant digits.
A percentile is reported as the upper edge of the bucket holding the exact (nearest-rank)
percentile of the recorded values: never below it, and at most 0.1 % above it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 60_000_000
SIGNIFICANT_DIGITS = 3
PRECISION = (
    f"HDR histogram, {SIGNIFICANT_DIGITS} significant digits, 1 us to {HIGHEST_US // 1_000_000} s: "
    "each percentile is at most 0.1% above the exact nearest-rank percentile, never below it"
)
REPORTED_PERCENTILES: tuple[float, ...] = (50.0, 90.0, 95.0, 99.0, 99.9)


def new_histogram() -> HdrHistogram:
    """An empty histogram with the documented range and precision."""
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)


@dataclass(frozen=True, slots=True)
class LatencySummary:
    """What the report shows of one histogram, in milliseconds."""

    count: int
    min_ms: float
    mean_ms: float
    max_ms: float
    percentiles_ms: Mapping[float, float]


class LatencyHistograms:
    """One HDR histogram per key (request kind); values recorded in microseconds."""

    def __init__(self) -> None:
        self._by_key: dict[str, HdrHistogram] = {}
        self.clamped = 0  # values above HIGHEST_US, recorded as HIGHEST_US

    def record_ms(self, key: str, latency_ms: float) -> None:
        """Record one latency of `key`, in (fractional) milliseconds."""
        value = max(LOWEST_US, round(latency_ms * 1000))
        if value > HIGHEST_US:
            self.clamped += 1
            value = HIGHEST_US
        histogram = self._by_key.get(key)
        if histogram is None:
            histogram = self._by_key[key] = new_histogram()
        histogram.record_value(value)

    def keys(self) -> list[str]:
        """The keys with a histogram."""
        return list(self._by_key)

    def count(self, key: str) -> int:
        """How many values `key` has."""
        histogram = self._by_key.get(key)
        return int(histogram.get_total_count()) if histogram is not None else 0

    def percentile_ms(self, key: str, percentile: float) -> float | None:
        """The `percentile` of `key` in milliseconds (None without values)."""
        histogram = self._by_key.get(key)
        if histogram is None or histogram.get_total_count() == 0:
            return None
        return float(histogram.get_value_at_percentile(percentile)) / 1000

    def combined(self, keys: Iterable[str], as_key: str) -> LatencyHistograms:
        """A view with one histogram, `as_key`: the histograms of `keys` merged (aggregate gates)."""
        merged = new_histogram()
        for key in keys:
            if key in self._by_key:
                merged.add(self._by_key[key])
        out = LatencyHistograms()
        out._by_key[as_key] = merged
        return out

    def summary(self, key: str) -> LatencySummary | None:
        """Count, min, mean, max and the reported percentiles of `key`."""
        histogram = self._by_key.get(key)
        if histogram is None or histogram.get_total_count() == 0:
            return None
        return LatencySummary(
            count=int(histogram.get_total_count()),
            min_ms=histogram.get_min_value() / 1000,
            mean_ms=round(histogram.get_mean_value() / 1000, 3),
            max_ms=histogram.get_max_value() / 1000,
            percentiles_ms={p: histogram.get_value_at_percentile(p) / 1000 for p in REPORTED_PERCENTILES},
        )

    # -- across processes ---------------------------------------------------------------

    def encode(self) -> dict[str, str]:
        """Each non-empty histogram in HdrHistogram's compressed base64 form."""
        return {key: h.encode().decode("ascii") for key, h in self._by_key.items() if h.get_total_count() > 0}

    def reset(self) -> None:
        """Forget every value (after sending them to the master)."""
        for histogram in self._by_key.values():
            histogram.reset()
        self.clamped = 0

    def merge_encoded(self, encoded: Mapping[str, str]) -> None:
        """Add histograms produced by `encode` (another process's) to these."""
        for key, text in encoded.items():
            incoming = HdrHistogram.decode(text.encode("ascii"))
            histogram = self._by_key.get(key)
            if histogram is None:
                histogram = self._by_key[key] = new_histogram()
            histogram.add(incoming)
