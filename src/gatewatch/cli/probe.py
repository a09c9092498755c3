"""`gatewatch probe`: the synthetic probe, once (cron) or in a loop (a service)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from gatewatch.cli.options import (
    GroupedCommand,
    production_option,
    reports_option,
    target_options,
)
from gatewatch.durations import parse_duration
from gatewatch.errors import ConfigError
from gatewatch.options import TargetOptions
from gatewatch.probe.loop import LoopOptions
from gatewatch.probe.metrics import DEFAULT_JOB, parse_listen
from gatewatch.probe.polling import Backoff
from gatewatch.probe.service import ServiceConfig, run_service
from gatewatch.probe.settings import DEFAULT_CONFIRM_LOOKUPS, parse_channel_durations
from gatewatch.reports_layout import RELATIVE, ReportsLayout

ALL = "all"


class _Stderr(logging.Handler):
    """Writes to whatever sys.stderr is at the time (a StreamHandler keeps the first one)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # logging must never take the probe down
            self.handleError(record)


def _setup_logging() -> None:
    logger = logging.getLogger("gatewatch.probe")
    if not any(isinstance(h, _Stderr) for h in logger.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("gatewatch probe: %(levelname)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _duration(value: str | None, flag: str) -> float | None:
    return None if value is None else parse_duration(value, key=flag)


@click.command(name="probe", cls=GroupedCommand)
@target_options
@reports_option
@production_option
@click.option(
    "--channel", default=ALL, show_default=True, help="A channel of the contract (exact spelling), or 'all'."
)
@click.option("--to", default=None, help="Recipient number. Default: the target's delivered test recipient.")
@click.option(
    "--deadline",
    default=None,
    help="How long a message may take to become final, e.g. 120s. Default: the target's.",
)
@click.option(
    "--initial-delay",
    "initial_delays",
    multiple=True,
    metavar="[CHANNEL=]DURATION",
    help="Wait before the first lookup (repeatable). Default: the target's, else 2s for the first "
    "channel and 5s for the others (0.1s for a local target, e.g. the embedded simulator).",
)
@click.option("--once", is_flag=True, help="One run, then exit with its outcome (the default).")
@click.option(
    "--every", default=None, metavar="DURATION", help="Run in a loop, one cycle every DURATION (e.g. 60s)."
)
@click.option(
    "--jitter",
    default=0.1,
    show_default=True,
    type=click.FloatRange(0, 0.5),
    help="Loop spread, as a fraction of --every.",
)
@click.option(
    "--max-runs", default=None, type=click.IntRange(min=1), help="End the loop after this many cycles."
)
@click.option(
    "--history",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help=f"JSON-lines history to append to. Default: REPORTS_DIR/{RELATIVE.probe_history.as_posix()}.",
)
@click.option(
    "--pending-max-age",
    default="24h",
    show_default=True,
    help="Stop looking up an unsettled message after this long.",
)
@click.option(
    "--max-lookups",
    default=15,
    show_default=True,
    type=click.IntRange(min=2),
    help="Lookups a message may cost.",
)
@click.option("--first-interval", default="100ms", show_default=True, help="First interval between lookups.")
@click.option(
    "--backoff-factor",
    default=1.5,
    show_default=True,
    type=click.FloatRange(min=1.0),
    help="Interval growth.",
)
@click.option("--max-interval", default="30s", show_default=True, help="Longest interval between lookups.")
@click.option(
    "--confirm-lookups",
    default=DEFAULT_CONFIRM_LOOKUPS,
    show_default=True,
    type=click.IntRange(min=0),
    help="Lookups after a final status to check it holds.",
)
@click.option(
    "--pushgateway", default=None, metavar="URL", help="Push metrics to this Pushgateway after each cycle."
)
@click.option("--push-job", default=DEFAULT_JOB, show_default=True, help="The Pushgateway job name.")
@click.option(
    "--textfile",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write metrics for node-exporter's textfile collector (*.prom).",
)
@click.option(
    "--metrics-listen",
    default=None,
    metavar="HOST:PORT",
    help="Serve /metrics here in loop mode (port 0: any free port).",
)
@click.option(
    "--simulator-arg",
    "simulator_args",
    multiple=True,
    metavar="ARG",
    help="With no target: an argument for the embedded simulator (e.g. --simulator-arg=--step-s=1).",
)
def command(
    where: TargetOptions,
    reports_dir: Path,
    allow_production: bool,
    channel: str,
    to: str | None,
    deadline: str | None,
    initial_delays: tuple[str, ...],
    once: bool,
    every: str | None,
    jitter: float,
    max_runs: int | None,
    history: Path | None,
    pending_max_age: str,
    max_lookups: int,
    first_interval: str,
    backoff_factor: float,
    max_interval: str,
    confirm_lookups: int,
    pushgateway: str | None,
    push_job: str,
    textfile: Path | None,
    metrics_listen: str | None,
    simulator_args: tuple[str, ...],
) -> int:
    """Send a message, follow it to its final status, export what was seen.

    Exit codes: 0 delivered; 1 error, expired, stuck, contract_violation or send_failed;
    2 usage or configuration: a key the target refuses (401), this machine not on the
    allow-list (403: forbidden), dry-run sends; 3 unreachable. With several channels: 0
    only if every one delivered. The API key comes from $GATEWATCH_API_KEY (or
    --api-key-env), never from a flag. The probe paces itself under --rate-limit (or the
    target's) and waits out 429s; one that comes while it is within that pace is a
    contract violation (throttled_below_limit).
    """
    _setup_logging()
    if once and every:
        raise ConfigError("--once and --every exclude each other", key="--every")
    if max_runs is not None and every is None:
        raise ConfigError("--max-runs bounds a loop: add --every", key="--max-runs")
    run = where.resolve()
    contract, target = run.contract, run.target
    if channel != ALL and channel not in contract.channels:
        raise ConfigError(f"expected one of {[*contract.channels, ALL]}, got {channel!r}", key="--channel")
    listen = None
    if metrics_listen is not None:
        try:
            listen = parse_listen(metrics_listen)
        except ValueError as exc:
            raise ConfigError(str(exc), key="--metrics-listen") from None
    first = parse_duration(first_interval, key="--first-interval")
    config = ServiceConfig(
        target=target,
        contract=contract,
        channels=None if channel == ALL else (channel,),
        to=to,
        allow_production=allow_production,
        deadline_s=_duration(deadline, "--deadline"),
        initial_delays=parse_channel_durations(initial_delays, contract.channels, key="--initial-delay"),
        backoff=Backoff(
            first_interval_s=first,
            factor=backoff_factor,
            max_interval_s=max(first, parse_duration(max_interval, key="--max-interval")),
            max_lookups=max_lookups,
        ),
        confirm_lookups=confirm_lookups,
        # Every run is recorded: with no --history, under the reports folder.
        history=history if history is not None else ReportsLayout(reports_dir).probe_history,
        pending_max_age_s=parse_duration(pending_max_age, key="--pending-max-age"),
        loop=LoopOptions(every_s=_duration(every, "--every"), jitter=jitter, max_runs=max_runs),
        pushgateway=pushgateway,
        push_job=push_job,
        textfile=textfile,
        metrics_listen=listen,
        simulator_args=simulator_args,
    )
    return int(run_service(config, out=click.echo))
