"""`gatewatch probe`'s options."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gatewatch.core.durations import format_duration
from gatewatch.core.options.declare import ValueKind, declared_field, embed, option
from gatewatch.core.options.target import TargetRunOptions
from gatewatch.core.options.webhooks import REPLACE_WEBHOOK, WebhookOptions
from gatewatch.core.reports_layout import RELATIVE

#: --channel's value for every channel of the contract.
ALL_CHANNELS = "all"

# The probe's defaults, here with their flags; the probe reads them from here.
DEFAULT_CONFIRM_LOOKUPS = 2
#: A loop's spread, as a fraction of --every.
DEFAULT_JITTER = 0.1
#: The Pushgateway job the probe pushes as.
DEFAULT_JOB = "gatewatch_probe"
DEFAULT_PENDING_MAX_AGE_S = 24 * 3600.0
#: How lookups space out after the initial delay, and how many a message may cost.
DEFAULT_FIRST_INTERVAL_S = 0.1
DEFAULT_BACKOFF_FACTOR = 1.5
DEFAULT_MAX_INTERVAL_S = 30.0
DEFAULT_MAX_LOOKUPS = 15


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeOptions(TargetRunOptions):
    """The options of one probe command: once (cron) or in a loop (a service)."""

    channel: str = option(
        name="channel",
        default=ALL_CHANNELS,
        help=f"A channel of the contract (exact spelling), or '{ALL_CHANNELS}'.",
    )
    to: str | None = option(
        name="to", help="Recipient number. Default: the target's delivered test recipient."
    )
    deadline: str | None = option(
        name="deadline", help="How long a message may take to become final, e.g. 120s. Default: the target's."
    )
    initial_delays: tuple[str, ...] = option(
        name="initial-delay",
        multiple=True,
        default=(),
        metavar="[CHANNEL=]DURATION",
        help="Wait before the first lookup (repeatable). Default: the target's, else 2s for the first "
        "channel and 5s for the others (0.1s for a local target, e.g. the embedded simulator).",
    )
    degraded_after: tuple[str, ...] = option(
        name="degraded-after",
        multiple=True,
        default=(),
        metavar="[CHANNEL=]DURATION",
        help="A run delivered slower than this is degraded, not failed (repeatable). "
        "Default: the target's degraded_after_s, else never.",
    )
    confirm_failures: bool = option(
        name="confirm-failures",
        kind=ValueKind.FLAG,
        default=False,
        help="Follow a failed run at once with one second probe; only a second failure counts. "
        "Default: the target's confirm_failures, else off.",
    )
    maintenance_until: str | None = option(
        name="maintenance-until",
        metavar="TIME",
        help="A maintenance window from now until TIME (RFC 3339, e.g. 2026-12-05T04:00:00Z): "
        "runs are marked and the maintenance gauge is 1.",
    )
    maintenance_reason: str | None = option(
        name="maintenance-reason",
        metavar="TEXT",
        help="Why --maintenance-until's window (shown in the history and the report).",
    )
    once: bool = option(
        name="once",
        kind=ValueKind.FLAG,
        default=False,
        help="One run, then exit with its outcome (the default).",
    )
    every: str | None = option(
        name="every", metavar="DURATION", help="Run in a loop, one cycle every DURATION (e.g. 60s)."
    )
    jitter: float = option(
        name="jitter",
        kind=ValueKind.FLOAT,
        default=DEFAULT_JITTER,
        low=0,
        high=0.5,
        help="Loop spread, as a fraction of --every.",
    )
    max_runs: int | None = option(
        name="max-runs", kind=ValueKind.INT, low=1, help="End the loop after this many cycles."
    )
    history: Path | None = option(
        name="history",
        kind=ValueKind.FILE,
        help=f"JSON-lines history to append to. Default: REPORTS_DIR/{RELATIVE.probe_history.as_posix()}.",
    )
    pending_max_age: str = option(
        name="pending-max-age",
        default=format_duration(DEFAULT_PENDING_MAX_AGE_S),
        help="Stop looking up an unsettled message after this long.",
    )
    max_lookups: int = option(
        name="max-lookups",
        kind=ValueKind.INT,
        default=DEFAULT_MAX_LOOKUPS,
        low=2,
        help="Lookups a message may cost.",
    )
    first_interval: str = option(
        name="first-interval",
        default=format_duration(DEFAULT_FIRST_INTERVAL_S),
        help="First interval between lookups.",
    )
    backoff_factor: float = option(
        name="backoff-factor",
        kind=ValueKind.FLOAT,
        default=DEFAULT_BACKOFF_FACTOR,
        low=1.0,
        help="Interval growth.",
    )
    max_interval: str = option(
        name="max-interval",
        default=format_duration(DEFAULT_MAX_INTERVAL_S),
        help="Longest interval between lookups.",
    )
    confirm_lookups: int = option(
        name="confirm-lookups",
        kind=ValueKind.INT,
        default=DEFAULT_CONFIRM_LOOKUPS,
        low=0,
        help="Lookups after a final status to check it holds.",
    )
    pushgateway: str | None = option(
        name="pushgateway", metavar="URL", help="Push metrics to this Pushgateway after each cycle."
    )
    push_job: str = option(name="push-job", default=DEFAULT_JOB, help="The Pushgateway job name.")
    textfile: Path | None = option(
        name="textfile",
        kind=ValueKind.FILE,
        help="Write metrics for node-exporter's textfile collector (*.prom).",
    )
    metrics_listen: str | None = option(
        name="metrics-listen",
        metavar="HOST:PORT",
        help="Serve /metrics here in loop mode (port 0: any free port).",
    )
    simulator_args: tuple[str, ...] = option(
        name="simulator-arg",
        multiple=True,
        default=(),
        metavar="ARG",
        help="With no target: an argument for the embedded simulator (e.g. --simulator-arg=--step-s=1).",
    )
    webhooks: WebhookOptions = embed(WebhookOptions)
    replace_webhook: bool = declared_field(REPLACE_WEBHOOK)
