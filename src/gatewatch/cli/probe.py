"""`gatewatch probe`: the synthetic probe, once (cron) or in a loop (a service)."""

from __future__ import annotations

import logging
import sys
import time

import click

from gatewatch.cli.options import options_command
from gatewatch.core.config import MaintenanceWindow, Run, Target, maintenance_window, parse_time
from gatewatch.core.durations import parse_duration
from gatewatch.core.errors import ConfigError
from gatewatch.core.options.probe import ALL_CHANNELS, ProbeOptions
from gatewatch.core.reports_layout import ReportsLayout
from gatewatch.core.webhooks import ListenAddress
from gatewatch.probe.loop import LoopOptions
from gatewatch.probe.metrics import parse_listen
from gatewatch.probe.polling import Backoff
from gatewatch.probe.service import ServiceConfig, run_service
from gatewatch.probe.settings import parse_channel_durations


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


@options_command(ProbeOptions, name="probe")
def command(options: ProbeOptions) -> int:
    """Send a message, follow it to its final status, export what was seen.

    With --webhook-listen (by default against the embedded simulator) each message is
    followed both ways: polled, and received as the account's delivery webhook, which the
    probe registers and puts back at exit (another one is replaced only with
    --replace-webhook).

    Exit codes: 0 delivered; 1 error, expired, stuck, contract_violation, send_failed,
    webhook_lost or webhook_contradicts;
    2 usage or configuration: a key the target refuses (401), this machine not on the
    allow-list (403: forbidden), dry-run sends; 3 unreachable. With several channels: 0
    only if every one delivered. The API key comes from $GATEWATCH_API_KEY (or
    --api-key-env), never from a flag. The probe paces itself under --rate-limit (or the
    target's) and waits out 429s; one that comes while it is within that pace is a
    contract violation (throttled_below_limit).
    """
    _setup_logging()
    _check_loop(options)
    run = options.target.resolve()
    return int(run_service(service_config(options, run), out=click.echo))


def _flag(name: str) -> str:
    return ProbeOptions.flag_of(name)


def _duration(options: ProbeOptions, name: str) -> float:
    return parse_duration(getattr(options, name), key=_flag(name))


def _optional_duration(options: ProbeOptions, name: str) -> float | None:
    return None if getattr(options, name) is None else _duration(options, name)


def _check_loop(options: ProbeOptions) -> None:
    if options.once and options.every:
        raise ConfigError(f"{_flag('once')} and {_flag('every')} exclude each other", key=_flag("every"))
    if options.max_runs is not None and options.every is None:
        raise ConfigError(f"{_flag('max_runs')} bounds a loop: add {_flag('every')}", key=_flag("max_runs"))


def _listen(options: ProbeOptions) -> tuple[str, int] | None:
    if options.metrics_listen is None:
        return None
    try:
        return parse_listen(options.metrics_listen)
    except ValueError as exc:
        raise ConfigError(str(exc), key=_flag("metrics_listen")) from None


def service_config(options: ProbeOptions, run: Run) -> ServiceConfig:
    """What the probe service runs, from the command's options and the resolved run."""
    contract, target = run.contract, run.target
    channel = options.channel
    if channel != ALL_CHANNELS and channel not in contract.channels:
        raise ConfigError(
            f"expected one of {[*contract.channels, ALL_CHANNELS]}, got {channel!r}", key=_flag("channel")
        )
    first = _duration(options, "first_interval")
    return ServiceConfig(
        target=target,
        contract=contract,
        channels=None if channel == ALL_CHANNELS else (channel,),
        to=options.to,
        allow_production=options.allow_production,
        deadline_s=_optional_duration(options, "deadline"),
        initial_delays=parse_channel_durations(
            options.initial_delays, contract.channels, key=_flag("initial_delays")
        ),
        degraded_after=parse_channel_durations(
            options.degraded_after, contract.channels, key=_flag("degraded_after")
        ),
        confirm_failures=options.confirm_failures,
        maintenance=_maintenance(options),
        backoff=Backoff(
            first_interval_s=first,
            factor=options.backoff_factor,
            max_interval_s=max(first, _duration(options, "max_interval")),
            max_lookups=options.max_lookups,
        ),
        confirm_lookups=options.confirm_lookups,
        # Every run is recorded: with no --history, under the reports folder.
        history=options.history or ReportsLayout(options.reports_dir).probe_history,
        pending_max_age_s=_duration(options, "pending_max_age"),
        loop=LoopOptions(
            every_s=_optional_duration(options, "every"), jitter=options.jitter, max_runs=options.max_runs
        ),
        pushgateway=options.pushgateway,
        push_job=options.push_job,
        textfile=options.textfile,
        metrics_listen=_listen(options),
        simulator_args=options.simulator_args,
        webhook_listen=_webhook_listen(options, target),
        webhook_public_url=options.webhooks.public_url(),
        replace_webhook=options.replace_webhook,
    )


def _maintenance(options: ProbeOptions) -> tuple[MaintenanceWindow, ...]:
    """--maintenance-until's window, from now; none without it."""
    if options.maintenance_until is None:
        if options.maintenance_reason is not None:
            raise ConfigError(
                f"{_flag('maintenance_reason')} names a window: add {_flag('maintenance_until')}",
                key=_flag("maintenance_reason"),
            )
        return ()
    key = _flag("maintenance_until")
    end = parse_time(options.maintenance_until, key=key)
    now = time.time()
    if end <= now:
        raise ConfigError(f"expected a time still to come, got {options.maintenance_until!r}", key=key)
    return (maintenance_window(now, end, options.maintenance_reason, key=key),)


def _webhook_listen(options: ProbeOptions, target: Target) -> ListenAddress | None:
    """Where to receive webhooks: as told, else a free local port for the embedded simulator only.

    The account's one webhook is shared by every channel and by real traffic, so against a
    server of its own (a stub, a simulator on 127.0.0.1) the probe follows webhooks only when
    told; the simulator it starts itself is its own to register on.
    """
    hooks = options.webhooks
    listen = hooks.listen_address(target)
    return listen if hooks.webhook_listen is not None or target.embedded else None
