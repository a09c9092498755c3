"""The result model of the HTML report: what each part's files said, already parsed and typed.

The readers (`suite_source`, `load_source`, `probe_source`, `links`) build these from a
reports folder; the page renders them. Nothing here reads a file or writes HTML, so a
test can build a `Report` by hand and a reader can be tested without rendering.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    """A part's verdict. A part that did not run is not a failure, and neither is a bad file."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not run"
    UNREADABLE = "could not read"
    #: Stopped by Ctrl-C or SIGTERM: whatever it wrote is no verdict.
    INTERRUPTED = "interrupted"


class RuleStatus(StrEnum):
    """A contract rule's status in the rule table."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    NOT_EXERCISED = "not exercised"


@dataclass(frozen=True, slots=True)
class Problem:
    """An input file that exists but could not be used (or used only in part), and why."""

    file: str  # relative to the reports folder, as the page shows it
    why: str

    def text(self) -> str:
        """The line the page shows: `could not read FILE: WHY`."""
        return f"could not read {self.file}: {self.why}"


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetInfo:
    """What a part ran against, as far as its files say (None: not recorded)."""

    name: str | None = None
    kind: str | None = None
    base_url: str | None = None
    rate_limit: str | None = None
    dialect: str | None = None
    #: Where the dialect was read from, when it was not recorded directly (e.g. a contracts path).
    dialect_note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RunTime:
    """When a part ran: epoch seconds (UTC); None when its files do not say."""

    started: float | None = None
    ended: float | None = None


# -- contract suite ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeView:
    """One recorded call as the report shows it (headers were redacted before they were recorded)."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...] = ()
    request_body: str | None = None
    status: int | None = None
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: str = ""
    elapsed_ms: float | None = None
    curl: str = ""
    #: The headlines (`[rule (provenance)] message`) of the check that failed on this call.
    headlines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleRow:
    """One contract rule: where it comes from, what happened to it in this run."""

    id: str
    provenance: str  # documented, pinned, or vendor: <page>
    summary: str
    status: RuleStatus
    reason: str | None = None
    checks: int = 0
    violations: int = 0
    examples: tuple[str, ...] = ()
    reproduce: tuple[str, ...] = ()  # curl lines, from summary.json


@dataclass(frozen=True, slots=True, kw_only=True)
class FailedTest:
    """A failed suite test: the rules it names, its message and the line that replays it."""

    test: str
    rules: tuple[str, ...]
    message: str
    replay: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SuitePart:
    """The contract suite's results (summary.json, with evidence from allure-results)."""

    verdict: Verdict
    problems: tuple[Problem, ...] = ()
    #: Why the part is shown as interrupted (verdict INTERRUPTED), from `gatewatch run`'s summary.
    interrupted: str | None = None
    target: TargetInfo = field(default_factory=TargetInfo)
    ran: RunTime = field(default_factory=RunTime)
    duration_s: float | None = None
    profile: str | None = None
    seed: int | None = None
    replay: str | None = None
    exit_status: int | None = None
    requests: int | None = None
    server_errors: int | None = None
    throttled: int | None = None  # 429s the client got (and waited out)
    throttle_wait_s: float | None = None
    budget: str | None = None
    tests: Mapping[str, int] = field(default_factory=dict)
    rules: tuple[RuleRow, ...] = ()
    failures: tuple[FailedTest, ...] = ()
    #: Rule id -> calls that broke it, from the Allure attachments (empty without allure-results).
    evidence: Mapping[str, tuple[ExchangeView, ...]] = field(default_factory=dict)


# -- load test ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class GateRow:
    """One SLO gate as summary.json states it."""

    name: str
    status: str
    measured: float | None
    limit: float | None
    comparison: str
    unit: str
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class KindRow:
    """One request kind (or all of them): counts and HDR percentiles in milliseconds."""

    kind: str
    name: str
    requests: int | None
    failures: int | None
    warmup_requests: int | None
    throttled: int | None  # None: the load summary does not record it
    latency_ms: Mapping[str, float]  # min, mean, max, p50, p90 ... in the file's order


@dataclass(frozen=True, slots=True, kw_only=True)
class LocustFailure:
    """A row of Locust's failure table: one cause of failed requests and how often it happened."""

    method: str
    name: str
    error: str
    occurrences: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeSeries:
    """A named series of (seconds into the run, value) points."""

    name: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class LatencyBin:
    """A histogram bin: latencies from `low_ms` to `high_ms` and how many requests fell in it."""

    low_ms: float
    high_ms: float
    requests: float
    label: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class LatencyHistogram:
    """The latency distribution of all measured requests, and where it was drawn from."""

    bins: tuple[LatencyBin, ...]
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadPart:
    """The load test's results (load/summary.json and Locust's CSV files)."""

    verdict: Verdict
    problems: tuple[Problem, ...] = ()
    #: Why the part is shown as interrupted (verdict INTERRUPTED), from `gatewatch run`'s summary.
    interrupted: str | None = None
    target: TargetInfo = field(default_factory=TargetInfo)
    ran: RunTime = field(default_factory=RunTime)
    model: str | None = None
    users: int | None = None
    arrival_rate_rps: float | None = None
    workers: int | None = None
    mix: str | None = None
    warmup_s: float | None = None
    window_s: float | None = None
    throughput_rps: float | None = None
    throttled: int | None = None  # measured 429s, all kinds: neither failures nor judged requests
    throttled_ratio: float | None = None  # of the requests offered
    precision: str | None = None
    scheduled: int | None = None
    dropped: Mapping[str, int] = field(default_factory=dict)
    gates: tuple[GateRow, ...] = ()
    kinds: tuple[KindRow, ...] = ()
    violations: Mapping[str, int] = field(default_factory=dict)
    locust_failures: tuple[LocustFailure, ...] = ()
    latency_over_time: tuple[TimeSeries, ...] = ()
    rate_over_time: tuple[TimeSeries, ...] = ()
    histogram: LatencyHistogram | None = None
    setup_error: str | None = None


# -- probe -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusTime:
    """When a probe message reached a status: seconds after the send, and the error bound."""

    status: str
    at_s: float
    bound_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookRun:
    """A probe message's delivery webhooks, beside its poll (a `run` record's `webhooks`)."""

    state: str  # arrived, lost, waiting, not_final, not_expected
    #: The webhook timeline: each status a delivery report stood for, when it first came.
    statuses: tuple[StatusTime, ...] = ()
    deliveries: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    contradicting: int = 0
    #: Seconds to the final status by webhook minus by poll (negative: the webhook came first).
    minus_poll_s: float | None = None
    violations: tuple[str, ...] = ()  # headlines


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeRun:
    """One probe run (a `run` record of the history)."""

    run_id: str
    target: str | None
    channel: str
    started: float | None
    duration_s: float | None
    deadline_s: float | None
    outcome: str
    reason: str | None
    final_status: str | None
    last_status: str | None
    statuses: tuple[StatusTime, ...]
    lookups: int | None
    server_errors: int | None
    throttled: int | None
    violations: tuple[str, ...]  # headlines
    #: None: the run received no webhooks (it had no receiver).
    webhooks: WebhookRun | None = None
    degraded_after_s: float | None = None
    #: The maintenance window's reason, None outside one.
    maintenance: str | None = None
    #: A failed run whose verdict is its confirming probe's (the next run on the channel).
    awaiting_confirmation: bool = False
    #: On a confirming probe: the failed run it followed, and whether it failed too.
    confirmation: Confirmed | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Confirmed:
    """The failed run a confirming probe followed."""

    run_id: str | None
    outcome: str | None
    reason: str | None
    confirmed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class LateRecord:
    """A message an earlier run left pending, settled (or given up on) later."""

    run_id: str
    channel: str
    kind: str  # late or abandoned
    outcome: str | None
    status: str | None
    reason: str | None
    at: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbePart:
    """The probe's results (probe/history.jsonl)."""

    verdict: Verdict
    problems: tuple[Problem, ...] = ()
    #: Why the part is shown as interrupted (verdict INTERRUPTED), from `gatewatch run`'s summary.
    interrupted: str | None = None
    target: TargetInfo = field(default_factory=TargetInfo)
    ran: RunTime = field(default_factory=RunTime)
    #: Channel -> its runs, oldest first; channels in the order the history first names them.
    runs: Mapping[str, tuple[ProbeRun, ...]] = field(default_factory=dict)
    late: tuple[LateRecord, ...] = ()
    #: True when only the end of a long history was read.
    truncated: bool = False


# -- the page ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """A file the page links to (href relative to index.html), or why there is none."""

    label: str
    href: str | None
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """Everything the page shows, read from one reports folder."""

    suite: SuitePart
    load: LoadPart
    probe: ProbePart
    links: tuple[Link, ...] = ()
    #: The raw files the page was built from (those present).
    raw: tuple[Link, ...] = ()
