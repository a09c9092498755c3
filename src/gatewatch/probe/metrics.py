"""The probe's Prometheus metrics, in a registry of its own, and the three ways out of it.

Names follow Prometheus conventions: a `gatewatch_probe_` prefix, base units (seconds),
`_total` on counters, `_timestamp_seconds` on times. Labels are bounded sets only
(channel, outcome, status, rule from the contract); never a message or run id.

- a Pushgateway (`push`): for --once runs; PUT replaces the target's group each run;
- a node-exporter textfile (`write_textfile`): prometheus_client writes a temporary
  file and renames it, so the collector never reads half a file;
- an HTTP /metrics endpoint (`serve`) for the loop.

A --once process starts with empty counters; the gauges alerts rely on (success, last
success and last run times, consecutive failures) are seeded from the history, so they
stay right across processes when --history is given.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import push_to_gateway, start_http_server, write_to_textfile

from gatewatch.checks import Violation
from gatewatch.contract import Contract
from gatewatch.core.options.probe import DEFAULT_JOB
from gatewatch.probe.engine import RunResult
from gatewatch.probe.history import ChannelState
from gatewatch.probe.late import LateCheck
from gatewatch.probe.outcomes import VERDICTS, Outcome
from gatewatch.probe.webhooks import WebhookReport

log = logging.getLogger(__name__)

PREFIX = "gatewatch_probe"
# The label every per-channel metric carries (a Prometheus label name, not a contract field).
CHANNEL_LABEL = "channel"
PUSH_TIMEOUT_S = 10.0
# From a fast simulator (tenths of a second) to a slow channel's deadline (minutes).
TIME_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)


class ProbeMetrics:
    """Every metric the probe exports, updated from run results."""

    def __init__(self, contract: Contract, channels: Iterable[str]) -> None:
        self.contract = contract
        self.registry = CollectorRegistry(auto_describe=True)
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._add_alerting_gauges()
        self._add_request_counters()
        self._add_timing_metrics()
        self._add_health_metrics()
        self._add_webhook_metrics()
        self._label_channels(channels)

    # -- the metrics ----------------------------------------------------------------------

    def _gauge(self, name: str, doc: str, labels: Sequence[str] = (CHANNEL_LABEL,)) -> Gauge:
        return Gauge(f"{PREFIX}_{name}", doc, list(labels), registry=self.registry)

    def _counter(self, name: str, doc: str, labels: Sequence[str] = (CHANNEL_LABEL,)) -> Counter:
        return Counter(f"{PREFIX}_{name}", doc, list(labels), registry=self.registry)

    def _add_alerting_gauges(self) -> None:
        """What alerts read: success, the last success and run times, the failures in a row."""
        self.success = self._gauge("success", "1 if the channel's last run delivered its message, else 0.")
        self.last_success = self._gauge(
            "last_success_timestamp_seconds", "When the channel's last delivered run ended (Unix time)."
        )
        self.last_run = self._gauge(
            "last_run_timestamp_seconds",
            "When the channel's last run ended, whatever its outcome (Unix time).",
        )
        self.last_outcome = self._gauge(
            "last_outcome",
            "1 for the outcome of the channel's last run, 0 for the others.",
            (CHANNEL_LABEL, "outcome"),
        )
        self.consecutive_failures = self._gauge(
            "consecutive_failures", "Runs in a row that did not deliver (0 after a delivered run)."
        )
        self.duration = self._gauge("last_run_duration_seconds", "How long the channel's last run took.")
        self.maintenance = self._gauge(
            "maintenance",
            "1 when the channel's last run was inside a maintenance window, else 0 (alerts stay silent).",
        )
        self.unconfirmed = self._counter(
            "unconfirmed_failures",
            "Failed runs a confirming second probe did not confirm (--confirm-failures).",
        )
        self.deadline = self._gauge(
            "deadline_seconds", "The channel's deadline: how long a message may take to become final."
        )

    def _add_request_counters(self) -> None:
        """Runs, lookups, 500s, dropped connections and 429s."""
        self.runs = self._counter("runs", "Probe runs by outcome.", (CHANNEL_LABEL, "outcome"))
        self.lookups = self._counter("lookups", "Lookup requests spent (retries included).")
        self.last_lookups = self._gauge("last_run_lookups", "Lookup requests the channel's last run spent.")
        self.server_errors = self._counter("server_errors", "500 answers seen (each one, retried or not).")
        self.transport_errors = self._counter(
            "transport_errors", "Requests whose connection failed or dropped before an answer."
        )
        self.throttled = self._counter("throttled", "429 answers seen (each one, waited out or not).")
        self.throttled_wait = self._counter(
            "throttled_wait_seconds", "Seconds spent waiting out 429s as they said."
        )
        self.last_throttled = self._gauge(
            "last_run_throttled",
            "429 answers the channel's last run saw (a --once process keeps no counters).",
        )

    def _add_timing_metrics(self) -> None:
        """When each status came, late finals, and the messages still pending."""
        self.time_to_status = Histogram(
            f"{PREFIX}_time_to_status_seconds",
            "Time from the send to the first sighting of each status (estimate; late ones included).",
            [CHANNEL_LABEL, "status"],
            buckets=TIME_BUCKETS_S,
            registry=self.registry,
        )
        self.last_time_to_status = self._gauge(
            "last_time_to_status_seconds",
            "Time from the send to each status in the channel's last run that saw it.",
            (CHANNEL_LABEL, "status"),
        )
        self.late_finals = self._counter(
            "late_finals",
            "Messages seen final by a later run than their own, by outcome.",
            (CHANNEL_LABEL, "outcome"),
        )
        self.pending = self._gauge("pending_messages", "Messages not yet seen final, still looked up.", ())

    def _add_health_metrics(self) -> None:
        """Broken rules, failed exports and the probe's own errors."""
        self.violations = self._counter(
            "contract_violations", "Broken contract rules seen, by rule.", (CHANNEL_LABEL, "rule")
        )
        self.export_errors = self._counter(
            "export_errors", "Failed pushes or textfile writes.", ("exporter",)
        )
        self.internal_errors = self._counter(
            "internal_errors", "Runs that ended in an unexpected error of the probe itself (see its log)."
        )

    def _add_webhook_metrics(self) -> None:
        """The second witness: the delivery webhooks beside the poll.

        Webhook minus poll is signed; a Prometheus histogram's _sum must not decrease (rate()
        reads a drop as a counter reset), so the two signs are two histograms of magnitudes,
        each with the time buckets: ahead (the webhook came first) and behind (after the poll).
        The last run's signed value is a gauge.
        """

        def histogram(name: str, doc: str) -> Histogram:
            return Histogram(
                f"{PREFIX}_{name}", doc, [CHANNEL_LABEL], buckets=TIME_BUCKETS_S, registry=self.registry
            )

        self.webhook_ahead = histogram(
            "webhook_ahead_of_poll_seconds",
            "How long before the lookup that first showed the final status its delivery webhook came.",
        )
        self.webhook_behind = histogram(
            "webhook_behind_poll_seconds",
            "How long after the lookup that first showed the final status its delivery webhook came.",
        )
        self.last_webhook_minus_poll = self._gauge(
            "last_webhook_minus_poll_seconds",
            "The channel's last run: its delivery webhook's arrival minus the poll's (negative: first).",
        )
        self.webhooks_received = self._counter(
            "webhooks_received", "Delivery webhooks about the probe's messages."
        )
        self.webhooks_lost = self._counter(
            "webhooks_lost", "Messages seen final by the poll with no delivery webhook within the deadline."
        )
        self.webhooks_duplicated = self._counter(
            "webhooks_duplicated", "Webhooks that repeated earlier news."
        )
        self.webhooks_out_of_order = self._counter(
            "webhooks_out_of_order", "Webhooks whose own time is earlier than one that came before them."
        )
        self.webhooks_contradicting = self._counter(
            "webhooks_contradicting", "Delivery webhooks naming another status than the poll's final."
        )
        self.last_webhook_duplicates = self._gauge(
            "last_run_webhook_duplicates",
            "Duplicated webhooks in the channel's last run (a --once process keeps no counters).",
        )

    def _webhook_counters(self) -> tuple[Counter, ...]:
        return (
            self.webhooks_received,
            self.webhooks_lost,
            self.webhooks_duplicated,
            self.webhooks_out_of_order,
            self.webhooks_contradicting,
        )

    def _count_violations(self, channel: str, violations: Iterable[Violation]) -> None:
        for v in violations:
            self.violations.labels(channel=channel, rule=v.rule).inc()

    def _observe_webhooks(self, channel: str, hooks: WebhookReport) -> None:
        self.webhooks_received.labels(channel=channel).inc(hooks.deliveries)
        self.webhooks_lost.labels(channel=channel).inc(1 if hooks.lost else 0)
        self.webhooks_duplicated.labels(channel=channel).inc(hooks.duplicates)
        self.webhooks_out_of_order.labels(channel=channel).inc(hooks.out_of_order)
        self.webhooks_contradicting.labels(channel=channel).inc(hooks.contradicting)
        self.last_webhook_duplicates.labels(channel=channel).set(hooks.duplicates)
        self._count_violations(channel, hooks.violations)
        minus = hooks.minus_poll_s
        if minus is None:
            return
        self.last_webhook_minus_poll.labels(channel=channel).set(minus)
        (self.webhook_behind if minus >= 0 else self.webhook_ahead).labels(channel=channel).observe(
            abs(minus)
        )

    def _label_channels(self, channels: Iterable[str]) -> None:
        """Every known channel's series at 0 from the start, so rate() and absent() work at once."""
        for channel in channels:
            self._failures[channel] = 0
            self.internal_errors.labels(channel=channel)
            for counter in (
                self.lookups,
                self.server_errors,
                self.transport_errors,
                self.throttled,
                self.throttled_wait,
                *self._webhook_counters(),
            ):
                counter.labels(channel=channel)
            self.consecutive_failures.labels(channel=channel).set(0)
            self.maintenance.labels(channel=channel).set(0)
            self.unconfirmed.labels(channel=channel)
            self.webhook_ahead.labels(channel=channel)
            self.webhook_behind.labels(channel=channel)
            for outcome in VERDICTS:
                self.runs.labels(channel=channel, outcome=outcome.value)
                self.late_finals.labels(channel=channel, outcome=outcome.value)
        for exporter in ("pushgateway", "textfile"):
            self.export_errors.labels(exporter=exporter)

    # -- updates --------------------------------------------------------------------------

    def seed(self, states: Mapping[str, ChannelState]) -> None:
        """Carry the alerting gauges over from earlier processes (read from the history)."""
        with self._lock:
            for channel, state in states.items():
                if channel not in self._failures:
                    continue
                self._failures[channel] = state.consecutive_failures
                self.consecutive_failures.labels(channel=channel).set(state.consecutive_failures)
                if state.last_success_at is not None:
                    self.last_success.labels(channel=channel).set(state.last_success_at)
                if state.last_run_at is not None:
                    self.last_run.labels(channel=channel).set(state.last_run_at)

    def set_deadlines(self, deadlines: Mapping[str, float]) -> None:
        """Each channel's deadline, as configured (the on-time SLI compares against it)."""
        with self._lock:
            for channel, seconds in deadlines.items():
                self.deadline.labels(channel=channel).set(seconds)

    def observe_run(self, result: RunResult) -> None:
        """Count a run that concluded (interrupted runs change nothing).

        A failed run awaiting its confirming probe counts its traffic only: the run's verdict
        is the confirming probe's, which counts the first as unconfirmed when it delivered.
        """
        if result.outcome is Outcome.INTERRUPTED:
            return
        with self._lock:
            self._observe_traffic(result)
            if not result.awaiting_confirmation:
                self._observe_verdict(result)

    def _observe_verdict(self, result: RunResult) -> None:
        """The alerting gauges and the runs counter."""
        channel = result.channel
        ended = result.started_at + result.duration_s
        if result.confirmation is not None and not result.confirmation.confirmed:
            self.unconfirmed.labels(channel=channel).inc()
        self.maintenance.labels(channel=channel).set(1 if result.maintenance is not None else 0)
        self.deadline.labels(channel=channel).set(result.deadline_s)
        self.runs.labels(channel=channel, outcome=result.outcome.value).inc()
        for outcome in VERDICTS:
            self.last_outcome.labels(channel=channel, outcome=outcome.value).set(
                1 if outcome is result.outcome else 0
            )
        self.success.labels(channel=channel).set(1 if result.outcome.ok else 0)
        self.last_run.labels(channel=channel).set(ended)
        if result.outcome.ok:
            self.last_success.labels(channel=channel).set(ended)
            self._failures[channel] = 0
        else:
            self._failures[channel] = self._failures.get(channel, 0) + 1
        self.consecutive_failures.labels(channel=channel).set(self._failures[channel])

    def _observe_traffic(self, result: RunResult) -> None:
        """What the run cost and saw: requests, errors, 429s, violations, webhooks, status times."""
        channel = result.channel
        self.lookups.labels(channel=channel).inc(result.lookups)
        self.last_lookups.labels(channel=channel).set(result.lookups)
        self.server_errors.labels(channel=channel).inc(result.server_errors)
        self.transport_errors.labels(channel=channel).inc(result.transport_errors)
        self.throttled.labels(channel=channel).inc(result.throttled)
        self.throttled_wait.labels(channel=channel).inc(result.throttled_wait_s)
        self.last_throttled.labels(channel=channel).set(result.throttled)
        self.duration.labels(channel=channel).set(result.duration_s)
        self._count_violations(channel, result.violations)
        if result.webhooks is not None:
            self._observe_webhooks(channel, result.webhooks)
        seen: set[str] = set()
        for timing in result.statuses:
            if timing.status in seen:
                continue  # a status seen again after a regression is not a new arrival
            seen.add(timing.status)
            self.time_to_status.labels(channel=channel, status=timing.status).observe(timing.at_s)
            self.last_time_to_status.labels(channel=channel, status=timing.status).set(timing.at_s)

    def observe_late(self, check: LateCheck) -> None:
        """Count a late final status (and its time) or the violations a re-check found."""
        channel = check.pending.channel
        with self._lock:
            self.lookups.labels(channel=channel).inc(check.lookups)
            self.server_errors.labels(channel=channel).inc(check.server_errors)
            self.throttled.labels(channel=channel).inc(check.throttled)
            self.throttled_wait.labels(channel=channel).inc(check.throttled_wait_s)
            self._count_violations(channel, check.violations)
            if check.outcome is not None:
                self.late_finals.labels(channel=channel, outcome=check.outcome.value).inc()
            if check.timing is not None:
                self.time_to_status.labels(channel=channel, status=check.timing.status).observe(
                    check.timing.at_s
                )

    def set_pending(self, count: int) -> None:
        """How many messages are still pending."""
        self.pending.set(count)

    def internal_error(self, channel: str) -> None:
        """Count a run the probe itself failed to complete."""
        self.internal_errors.labels(channel=channel).inc()

    def export_failed(self, exporter: str) -> None:
        """Count a failed export."""
        self.export_errors.labels(exporter=exporter).inc()


# -- exporters --------------------------------------------------------------------------


def safe_url(url: str) -> str:
    """`url` without user:password, for messages."""
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def push(
    metrics: ProbeMetrics,
    url: str,
    *,
    job: str = DEFAULT_JOB,
    grouping_key: Mapping[str, str] | None = None,
    timeout_s: float = PUSH_TIMEOUT_S,
) -> str | None:
    """PUT the registry to a Pushgateway; an error message (already logged) when it failed."""
    try:
        push_to_gateway(
            url, job=job, registry=metrics.registry, grouping_key=dict(grouping_key or {}), timeout=timeout_s
        )
    except Exception as exc:  # any failure to push must not end the probe
        metrics.export_failed("pushgateway")
        message = f"could not push to {safe_url(url)}: {type(exc).__name__}: {exc}"
        log.warning("%s", message)
        return message
    return None


def write_textfile(metrics: ProbeMetrics, path: Path) -> str | None:
    """Write the registry for node-exporter's textfile collector, atomically (temp file, rename)."""
    try:
        write_to_textfile(str(path), metrics.registry)
    except OSError as exc:
        metrics.export_failed("textfile")
        message = f"could not write {path}: {exc.strerror or exc}"
        log.warning("%s", message)
        return message
    return None


@dataclass(slots=True)
class MetricsServer:
    """A running /metrics endpoint; `close()` stops it."""

    host: str
    port: int
    _server: object
    _thread: threading.Thread

    def close(self) -> None:
        """Stop serving and join the thread (bounded)."""
        shutdown = getattr(self._server, "shutdown", None)
        close = getattr(self._server, "server_close", None)
        if shutdown is not None:
            shutdown()
        if close is not None:
            close()
        self._thread.join(timeout=5.0)


def serve(metrics: ProbeMetrics, host: str, port: int) -> MetricsServer:
    """Serve /metrics on host:port (port 0 picks a free one) from a daemon thread."""
    server, thread = start_http_server(port, addr=host, registry=metrics.registry)
    bound_port = int(server.server_address[1])
    return MetricsServer(host, bound_port, server, thread)


def parse_listen(value: str) -> tuple[str, int]:
    """HOST:PORT (or :PORT for every interface) as a pair; ValueError when malformed."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]") or "0.0.0.0", int(port)
