"""`gatewatch simulate`: run the embedded gateway simulator as a process.

Prints one line, ``READY <base-url>``, once it listens, and runs until SIGTERM or SIGINT
(exit 0). ``--contracts`` picks the dialect it serves (``vendor``, ``strict`` or a
contracts/ folder; default ``$GATEWATCH_CONTRACTS``, else the vendor's). Extra API keys
come only from environment variables (``--keys-env NAME``), never from a flag value,
which any user could read in the process list.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

import click

from gatewatch.cli.options import options_command
from gatewatch.contract import Contract, resolve_contract
from gatewatch.core.durations import parse_duration
from gatewatch.core.options.simulate import SimulateOptions
from gatewatch.core.ratelimit import NO_LIMIT, RateLimit, parse_rate_limit
from gatewatch.simulator import Faults, Simulator, SimulatorConfig, catalogue, keys_from_env
from gatewatch.simulator.config import WebhookFaults

_MS_PER_S = 1000.0


def _list_defects(contract: Contract) -> None:
    specs = catalogue(contract)
    width = max(len(spec.name) for spec in specs)
    rule_width = max(len(spec.rule) for spec in specs)
    for spec in specs:
        click.echo(f"{spec.name:<{width}}  {spec.rule:<{rule_width}}  {spec.description}")


def _rate_limit(text: str | None, contract: Contract) -> RateLimit:
    if text is None:
        return NO_LIMIT
    return parse_rate_limit(text, contract.rate_limits.plans)


def _seconds(options: SimulateOptions, name: str) -> float:
    """The duration option `name` in seconds; ConfigError names its flag."""
    text: str = getattr(options, name)
    return parse_duration(text, key=SimulateOptions.flag_of(name), allow_zero=True)


def _webhook_faults(options: SimulateOptions) -> WebhookFaults:
    """The delivery webhooks' faults at start (POST /_control/webhook-faults changes them later)."""
    return WebhookFaults(
        delay_s=_seconds(options, "webhook_delay"),
        loss=options.webhook_loss,
        duplicates=options.webhook_duplicates,
        reorder=options.webhook_reorder,
    )


def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT (installed before READY, so no signal is missed)."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


@options_command(SimulateOptions, name="simulate")
def command(options: SimulateOptions) -> None:
    """Run the embedded gateway simulator until SIGTERM or SIGINT."""
    contract = resolve_contract(options.contracts)
    if options.list_defects:
        _list_defects(contract)
        return
    config = simulator_config(options, contract)
    stop = _stop_on_signals()
    with Simulator(config, contract) as sim:
        click.echo(f"READY {sim.base_url}")
        sys.stdout.flush()
        # A timed wait so that the signal handler runs promptly on every platform.
        while not stop.wait(0.5):
            pass


def simulator_config(options: SimulateOptions, contract: Contract) -> SimulatorConfig:
    """The simulator's configuration from the command's options."""
    config = SimulatorConfig(
        host=options.host,
        port=options.port,
        defects=options.defects,
        rate_limit=_rate_limit(options.rate_limit, contract),
        max_messages=options.max_messages,
        control=options.control,
        allow_http_loopback_webhooks=options.allow_http_webhooks,
        extra_api_keys=keys_from_env(options.key_envs),
        faults=Faults(
            latency_ms=_seconds(options, "latency") * _MS_PER_S,
            jitter_ms=_seconds(options, "jitter") * _MS_PER_S,
            error_rate=options.error_rate,
            drop_rate=options.drop_rate,
            malformed_rate=options.malformed_rate,
        ),
        webhook_faults=_webhook_faults(options),
        webhook_attempts=options.webhook_attempts,
        webhook_backoff_s=_seconds(options, "webhook_backoff"),
    )
    if options.realistic:
        preset = SimulatorConfig.realistic(contract)
        return config.with_changes(step_s=preset.step_s, step_overrides=preset.step_overrides)
    if options.step_s is not None:
        return config.with_changes(step_s=options.step_s)
    return config
