"""What a load run measured, per process, in a form that merges on the master.

Every process (standalone, or each worker) records each finished request here: the
latency into the kind's HDR histograms, the outcome into counters, warm-up requests apart.
Two latencies per request: the *response time*, from its intended start (the open
model's arrival schedule; in the closed model the request's own start), which the gates
judge, and the *service time*, from when the request was actually sent, shown beside it.
A generator that starts a request late (every slot busy behind a stalled target, or its
own CPU saturated) adds the wait to the first only: the gap between the two is the
coordinated omission a generator would otherwise hide.
A throttled request (429) is a kind of its own: counted per request kind, never a
failure, and its latency kept out of the histograms (a refusal in a millisecond would
flatter the percentiles). Each measured wall-clock second keeps what was offered and how
many answers were throttled (the ramp's evidence). Workers ship `delta()` with each Locust
report and reset; the master `merge()`s them, so the gates read the same numbers whatever
the number of processes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gatewatch.loadtest.histograms import LatencyHistograms
from gatewatch.loadtest.ramp import Second

EXAMPLES_PER_RULE = 3
# Seconds kept per run (a day): beyond, a second's numbers are not kept (counted in seconds_lost).
MAX_SECONDS = 86_400


@dataclass(slots=True)
class Counts:
    """Requests, failures and throttled requests of one kind, measured (after warm-up) and in warm-up.

    `requests` are the answers judged (throttled ones are not among them): the failure
    ratio and the throughput are of those; the throttled ratio is throttled / (requests +
    throttled).
    """

    requests: int = 0
    failures: int = 0
    warmup_requests: int = 0
    warmup_failures: int = 0
    throttled: int = 0
    warmup_throttled: int = 0

    def add(self, other: Counts) -> None:
        """Add another process's counts."""
        self.requests += other.requests
        self.failures += other.failures
        self.warmup_requests += other.warmup_requests
        self.warmup_failures += other.warmup_failures
        self.throttled += other.throttled
        self.warmup_throttled += other.warmup_throttled

    @property
    def offered(self) -> int:
        """Measured requests made, throttled or not."""
        return self.requests + self.throttled


@dataclass(slots=True)
class Recorder:
    """Histograms, counters, dropped starts and contract violations of a run."""

    measure_from: float | None = None  # epoch seconds; None: not started yet (all is warm-up)
    #: Response times: from the intended start (what the gates judge).
    histograms: LatencyHistograms = field(default_factory=LatencyHistograms)
    #: Service times: from the actual start (the same as `histograms` in the closed model).
    service: LatencyHistograms = field(default_factory=LatencyHistograms)
    counts: dict[str, Counts] = field(default_factory=dict)
    scheduled: int = 0  # open model: starts the schedule asked for (after warm-up)
    dropped: Counter[str] = field(default_factory=Counter)
    violations: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    window_start: float | None = None
    window_end: float | None = None
    setup_error: dict[str, Any] | None = None
    #: epoch second -> what was offered and throttled in it (measured seconds only)
    seconds: dict[int, Second] = field(default_factory=dict)
    seconds_lost: int = 0

    def measuring(self, at: float) -> bool:
        """True when something that happened at `at` (epoch s) counts towards the gates."""
        return self.measure_from is not None and at >= self.measure_from

    def record(
        self,
        kind: str,
        latency_ms: float,
        failed: bool,
        started_at: float,
        *,
        throttled: bool = False,
        service_ms: float | None = None,
    ) -> None:
        """One finished request of `kind`, started at `started_at` (epoch s); `throttled`: a 429.

        `latency_ms` is from the intended start; `service_ms` from the actual start (default:
        the same, as in the closed model).
        """
        counts = self.counts.get(kind)
        if counts is None:
            counts = self.counts[kind] = Counts()
        measured = self.measuring(started_at)
        if throttled:
            if measured:
                counts.throttled += 1
                self._second(started_at, throttled=1, answered=1)
            else:
                counts.warmup_throttled += 1
            return
        if not measured:
            counts.warmup_requests += 1
            counts.warmup_failures += failed
            return
        self._second(started_at, answered=1)
        counts.requests += 1
        counts.failures += failed
        service = latency_ms if service_ms is None else service_ms
        self.histograms.record_ms(kind, latency_ms)
        self.service.record_ms(kind, service)
        ended = started_at + service / 1000
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
        self._second(at, offered=started + lost)
        for reason, n in dropped.items():
            if n:
                self.dropped[reason] += n

    def _second(self, at: float, *, offered: int = 0, throttled: int = 0, answered: int = 0) -> None:
        self._add_second(int(at), Second(offered, throttled, answered))

    def _add_second(self, key: int, more: Second) -> None:
        found = self.seconds.get(key)
        if found is None and len(self.seconds) >= MAX_SECONDS:
            self.seconds_lost += 1  # bounded memory: a run longer than MAX_SECONDS keeps its start
            return
        found = found or Second()
        self.seconds[key] = Second(
            found.offered + more.offered, found.throttled + more.throttled, found.answered + more.answered
        )

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
            "service_histograms": self.service.encode(),
            "clamped": self.histograms.clamped,
            "counts": {k: _counts_dict(c) for k, c in self.counts.items()},
            "scheduled": self.scheduled,
            "dropped": dict(self.dropped),
            "violations": dict(self.violations),
            "examples": self.examples,
            "window": [self.window_start, self.window_end],
            "setup_error": self.setup_error,
            "seconds": {str(k): [v.offered, v.throttled, v.answered] for k, v in self.seconds.items()},
            "seconds_lost": self.seconds_lost,
        }
        self.histograms.reset()
        self.service.reset()
        self.seconds = {}
        self.seconds_lost = 0
        self.counts = {}
        self.scheduled = 0
        self.dropped = Counter()
        self.violations = Counter()
        self.examples = {}
        return out

    def merge(self, delta: dict[str, Any]) -> None:
        """Add a `delta()` from another process."""
        self.histograms.merge_encoded(delta.get("histograms", {}))
        self.service.merge_encoded(delta.get("service_histograms", {}))
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
        for second, (offered, throttled, answered) in delta.get("seconds", {}).items():
            self._add_second(int(second), Second(int(offered), int(throttled), int(answered)))
        self.seconds_lost += int(delta.get("seconds_lost", 0))

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
        "throttled": counts.throttled,
        "warmup_throttled": counts.warmup_throttled,
    }
