"""What a load run measured, per process, in a form that merges on the master.

Every process (standalone, or each worker) records each finished request here: the
latency into the kind's HDR histogram, the outcome into counters, warm-up requests apart.
Workers ship `delta()` with each Locust report and reset; the master `merge()`s them, so
the gates read the same numbers whatever the number of processes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gatewatch.loadtest.histograms import LatencyHistograms

EXAMPLES_PER_RULE = 3
# Why a scheduled start was dropped (open model): no free slot, or the schedule slipped.
DROP_REASONS = ("no_slot", "late")


@dataclass(slots=True)
class Counts:
    """Requests and failures of one kind, measured (after warm-up) and in warm-up."""

    requests: int = 0
    failures: int = 0
    warmup_requests: int = 0
    warmup_failures: int = 0

    def add(self, other: Counts) -> None:
        """Add another process's counts."""
        self.requests += other.requests
        self.failures += other.failures
        self.warmup_requests += other.warmup_requests
        self.warmup_failures += other.warmup_failures


@dataclass(slots=True)
class Recorder:
    """Histograms, counters, dropped starts and contract violations of a run."""

    measure_from: float | None = None  # epoch seconds; None: not started yet (all is warm-up)
    histograms: LatencyHistograms = field(default_factory=LatencyHistograms)
    counts: dict[str, Counts] = field(default_factory=dict)
    scheduled: int = 0  # open model: starts the schedule asked for (after warm-up)
    dropped: Counter[str] = field(default_factory=Counter)
    violations: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    window_start: float | None = None
    window_end: float | None = None
    setup_error: dict[str, Any] | None = None

    def measuring(self, at: float) -> bool:
        """True when something that happened at `at` (epoch s) counts towards the gates."""
        return self.measure_from is not None and at >= self.measure_from

    def record(self, kind: str, latency_ms: float, failed: bool, started_at: float) -> None:
        """One finished request of `kind`, started at `started_at` (epoch s)."""
        counts = self.counts.get(kind)
        if counts is None:
            counts = self.counts[kind] = Counts()
        if not self.measuring(started_at):
            counts.warmup_requests += 1
            counts.warmup_failures += failed
            return
        counts.requests += 1
        counts.failures += failed
        self.histograms.record_ms(kind, latency_ms)
        ended = started_at + latency_ms / 1000
        if self.window_start is None or started_at < self.window_start:
            self.window_start = started_at
        if self.window_end is None or ended > self.window_end:
            self.window_end = ended

    def schedule(self, started: int, dropped: Mapping[str, int], at: float) -> None:
        """Open model: `started` starts made and `dropped` (reason -> n) not made, at `at`."""
        if not self.measuring(at):
            return
        lost = sum(dropped.values())
        self.scheduled += started + lost
        for reason, n in dropped.items():
            if n:
                self.dropped[reason] += n

    def violation(self, rule: str, described: str) -> None:
        """A contract violation found in a sampled answer (already redacted)."""
        self.violations[rule] += 1
        examples = self.examples.setdefault(rule, [])
        if len(examples) < EXAMPLES_PER_RULE:
            examples.append(described)

    # -- across processes ---------------------------------------------------------------

    def delta(self) -> dict[str, Any]:
        """Everything recorded since the last delta, JSON-ready; then forget it."""
        out: dict[str, Any] = {
            "histograms": self.histograms.encode(),
            "clamped": self.histograms.clamped,
            "counts": {k: _counts_dict(c) for k, c in self.counts.items()},
            "scheduled": self.scheduled,
            "dropped": dict(self.dropped),
            "violations": dict(self.violations),
            "examples": self.examples,
            "window": [self.window_start, self.window_end],
            "setup_error": self.setup_error,
        }
        self.histograms.reset()
        self.counts = {}
        self.scheduled = 0
        self.dropped = Counter()
        self.violations = Counter()
        self.examples = {}
        return out

    def merge(self, delta: dict[str, Any]) -> None:
        """Add a `delta()` from another process."""
        self.histograms.merge_encoded(delta.get("histograms", {}))
        self.histograms.clamped += int(delta.get("clamped", 0))
        for kind, raw in delta.get("counts", {}).items():
            self.counts.setdefault(kind, Counts()).add(Counts(**raw))
        self.scheduled += int(delta.get("scheduled", 0))
        self.dropped.update(delta.get("dropped", {}))
        self.violations.update(delta.get("violations", {}))
        for rule, texts in delta.get("examples", {}).items():
            kept = self.examples.setdefault(rule, [])
            kept.extend(texts[: max(0, EXAMPLES_PER_RULE - len(kept))])
        start, end = delta.get("window", [None, None])
        if start is not None and (self.window_start is None or start < self.window_start):
            self.window_start = start
        if end is not None and (self.window_end is None or end > self.window_end):
            self.window_end = end
        if delta.get("setup_error") and self.setup_error is None:
            self.setup_error = delta["setup_error"]

    # -- totals -------------------------------------------------------------------------

    def total(self) -> Counts:
        """The counts of every kind together."""
        out = Counts()
        for counts in self.counts.values():
            out.add(counts)
        return out

    @property
    def window_s(self) -> float:
        """The measured span: first measured start to last measured answer (0 without any)."""
        if self.window_start is None or self.window_end is None:
            return 0.0
        return max(0.0, self.window_end - self.window_start)


def _counts_dict(counts: Counts) -> dict[str, int]:
    return {
        "requests": counts.requests,
        "failures": counts.failures,
        "warmup_requests": counts.warmup_requests,
        "warmup_failures": counts.warmup_failures,
    }
