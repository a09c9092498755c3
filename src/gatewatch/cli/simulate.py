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

from gatewatch.contract import Contract, resolve_contract
from gatewatch.durations import parse_duration
from gatewatch.ratelimit import NO_LIMIT, RateLimit, parse_rate_limit
from gatewatch.simulator import Faults, Simulator, SimulatorConfig, catalogue, keys_from_env

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


def _milliseconds(text: str, flag: str) -> float:
    return parse_duration(text, key=flag, allow_zero=True) * _MS_PER_S


def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT (installed before READY, so no signal is missed)."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


@click.command(name="simulate")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=0, show_default=True, type=int, help="Port (0: any free one).")
@click.option(
    "--defect",
    "defects",
    multiple=True,
    metavar="NAME",
    help="Switch on a named contract violation (repeatable; see --list-defects).",
)
@click.option("--list-defects", is_flag=True, help="Print the chosen dialect's defect catalogue and exit.")
@click.option(
    "--contracts",
    "contracts",
    default=None,
    metavar="DIALECT|PATH",
    help="The contract to serve: a dialect (vendor, strict) or a contracts/ folder. "
    "Default: $GATEWATCH_CONTRACTS, else vendor.",
)
@click.option(
    "--rate-limit",
    "rate_limit",
    default=None,
    metavar="none|PLAN|N/min,M/s",
    help="Limit each API key: none (the default), a plan of the contract (production, trial) "
    "or N/min,M/s. Dialects without rate limits refuse it.",
)
@click.option(
    "--latency",
    default="0s",
    show_default=True,
    metavar="DURATION",
    help="Added to every answer (e.g. 100ms), without holding up other requests meanwhile.",
)
@click.option(
    "--jitter", default="0s", show_default=True, metavar="DURATION", help="Up to this much more, at random."
)
@click.option(
    "--error-rate", default=0.0, type=click.FloatRange(0, 1), help="Fraction of answers that are 500."
)
@click.option(
    "--drop-rate",
    default=0.0,
    type=click.FloatRange(0, 1),
    help="Fraction of connections closed without an answer.",
)
@click.option(
    "--malformed-rate",
    default=0.0,
    type=click.FloatRange(0, 1),
    help="Fraction of 200s with a truncated JSON body.",
)
@click.option(
    "--step-s",
    default=None,
    type=click.FloatRange(min=0),
    help="Seconds between lifecycle steps, every channel.  [default: 0.2]",
)
@click.option(
    "--realistic",
    is_flag=True,
    help="Lifecycle steps of seconds, slower on later channels (overrides --step-s).",
)
@click.option(
    "--max-messages",
    default=100_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Forget the oldest messages beyond this many.",
)
@click.option("--control", is_flag=True, help="Serve /_control/ (runtime faults, defects, reset).")
@click.option(
    "--keys-env",
    "key_envs",
    multiple=True,
    metavar="NAME",
    help="Environment variable holding extra keys as KEY=COMPANY,... (repeatable).",
)
def command(
    host: str,
    port: int,
    defects: tuple[str, ...],
    list_defects: bool,
    contracts: str | None,
    rate_limit: str | None,
    latency: str,
    jitter: str,
    error_rate: float,
    drop_rate: float,
    malformed_rate: float,
    step_s: float | None,
    realistic: bool,
    max_messages: int,
    control: bool,
    key_envs: tuple[str, ...],
) -> None:
    """Run the embedded gateway simulator until SIGTERM or SIGINT."""
    contract = resolve_contract(contracts)
    if list_defects:
        _list_defects(contract)
        return
    config = SimulatorConfig(
        host=host,
        port=port,
        defects=defects,
        rate_limit=_rate_limit(rate_limit, contract),
        max_messages=max_messages,
        control=control,
        extra_api_keys=keys_from_env(key_envs),
        faults=Faults(
            latency_ms=_milliseconds(latency, "--latency"),
            jitter_ms=_milliseconds(jitter, "--jitter"),
            error_rate=error_rate,
            drop_rate=drop_rate,
            malformed_rate=malformed_rate,
        ),
    )
    if realistic:
        preset = SimulatorConfig.realistic(contract)
        config = config.with_changes(step_s=preset.step_s, step_overrides=preset.step_overrides)
    elif step_s is not None:
        config = config.with_changes(step_s=step_s)
    stop = _stop_on_signals()
    with Simulator(config, contract) as sim:
        click.echo(f"READY {sim.base_url}")
        sys.stdout.flush()
        # A timed wait so that the signal handler runs promptly on every platform.
        while not stop.wait(0.5):
            pass
