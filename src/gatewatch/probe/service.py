"""The probe put together: target, keys, simulator, clients, history, metrics, the loop.

The CLI parses flags into a `ServiceConfig` and calls `run_service`; nothing here knows
about click. With no base URL the embedded simulator is started as a child process,
serving the command's contract (and its --rate-limit, if one was given).

The run is opened by `gatewatch.core.opening`, as every command's is (keys, the shared pacer,
the embedded simulator). Before the first send the preflight runs: a 401 to the
configured key or a base URL where every path answers 404 ends the command (exit 2); a
403 is recorded as a `forbidden` run on every channel (exit 2); no answer at all lets
the runs find and record it (unreachable). The channels' clients share the run's
`Pacer`: the gateway counts requests per key, and they all use the same key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from gatewatch.contract import Contract
from gatewatch.core.client import GatewayClient
from gatewatch.core.config import MaintenanceWindow, Run, Target, check_recipient
from gatewatch.core.errors import ConfigError, ExitCode
from gatewatch.core.opening import PreflightPolicy, open_run
from gatewatch.core.options.probe import (
    DEFAULT_CONFIRM_LOOKUPS,
    DEFAULT_JOB,
    DEFAULT_PENDING_MAX_AGE_S,
    ProbeOptions,
)
from gatewatch.core.webhooks import ListenAddress
from gatewatch.probe.callback import may_replace, open_callback
from gatewatch.probe.clock import SystemClock
from gatewatch.probe.history import History
from gatewatch.probe.loop import CycleReport, Exports, LoopOptions, Probe, stop_on_signals
from gatewatch.probe.metrics import ProbeMetrics, serve
from gatewatch.probe.outcomes import Outcome, check_contract
from gatewatch.probe.polling import Backoff
from gatewatch.probe.settings import ProbeSettings, channel_plans
from gatewatch.probe.webhooks import Follower

log = logging.getLogger(__name__)

TO_FLAG = ProbeOptions.flag_of("to")
DRY_RUN_REFUSED = "dry-run sends cannot be followed; the probe needs real sends"
# A 403 is recorded as a forbidden run on every channel; nothing answering lets the runs
# find and record it (unreachable); a refused key or a wrong base URL ends the command.
PROBE_PREFLIGHT = PreflightPolicy(tolerate_dropped=True, tolerate_absent=True, record_forbidden=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceConfig:
    """Everything `gatewatch probe` was asked to do."""

    target: Target
    contract: Contract
    channels: tuple[str, ...] | None = None  # None: every channel of the target
    to: str | None = None
    allow_production: bool = False
    deadline_s: float | None = None
    initial_delays: Mapping[str, float] = field(default_factory=dict)
    degraded_after: Mapping[str, float] = field(default_factory=dict)
    confirm_failures: bool = False
    #: Windows from the flags (the target's own are added to them).
    maintenance: tuple[MaintenanceWindow, ...] = ()
    backoff: Backoff = field(default_factory=Backoff)
    confirm_lookups: int = DEFAULT_CONFIRM_LOOKUPS
    history: Path | None = None
    pending_max_age_s: float = DEFAULT_PENDING_MAX_AGE_S
    loop: LoopOptions = field(default_factory=LoopOptions)
    pushgateway: str | None = None
    push_job: str = DEFAULT_JOB
    textfile: Path | None = None
    metrics_listen: tuple[str, int] | None = None
    # Arguments for `gatewatch simulate` when the probe starts its own simulator.
    simulator_args: Sequence[str] = ()
    #: Where to receive the message's delivery webhooks (None: the poll only).
    webhook_listen: ListenAddress | None = None
    webhook_public_url: str | None = None
    replace_webhook: bool = False


def _recipient(config: ServiceConfig) -> str:
    if config.to is not None:
        return check_recipient(config.contract, config.to, key=TO_FLAG)
    number = config.target.recipients.get(Outcome.DELIVERED.value)
    if number is None:
        raise ConfigError(
            f"target {config.target.name!r} has no test recipient: pass --to or set "
            f"recipients.{Outcome.DELIVERED.value} in the targets file (there is no default real number)",
            key=f"targets.{config.target.name}.recipients",
        )
    return number


def _channels(config: ServiceConfig) -> tuple[str, ...]:
    target = config.target
    if config.channels is None:
        return target.channels
    unknown = [c for c in config.channels if c not in target.channels]
    if unknown:
        raise ConfigError(
            f"target {target.name!r} has no channel {unknown}; it has {list(target.channels)}",
            key=ProbeOptions.flag_of("channel"),
        )
    return config.channels


def build_settings(config: ServiceConfig) -> ProbeSettings:
    """The run settings the config describes (validated: ConfigError names the flag)."""
    plans = channel_plans(
        config.target,
        config.contract,
        channels=_channels(config),
        to=_recipient(config),
        deadline_s=config.deadline_s,
        initial_delays=config.initial_delays,
        degraded_after=config.degraded_after,
    )
    return ProbeSettings(
        plans=plans,
        backoff=config.backoff,
        confirm_lookups=config.confirm_lookups,
        pending_max_age_s=config.pending_max_age_s,
        confirm_failures=config.confirm_failures or config.target.confirm_failures,
        maintenance=(*config.maintenance, *config.target.maintenance),
    )


def check_config(config: ServiceConfig) -> None:
    """Refuse what cannot work before anything is started or sent (ConfigError, exit 2)."""
    target = config.target
    check_contract(config.contract)
    if config.metrics_listen is not None and config.loop.once:
        raise ConfigError(
            "/metrics is served only by a loop: add " + ProbeOptions.flag_of("every"),
            key=ProbeOptions.flag_of("metrics_listen"),
        )
    target.require_traffic_allowed(config.allow_production, "send probe messages")
    if target.dry_run_sends:
        # A dry-run message is never delivered: following it would only ever report stuck.
        raise ConfigError(DRY_RUN_REFUSED, key=f"targets.{target.name}.dry_run_sends")


def run_service(
    config: ServiceConfig,
    *,
    out: Callable[[str], None],
    clock: SystemClock | None = None,
    on_cycle: Callable[[CycleReport], None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> ExitCode:
    """Run the probe as configured; the exit code (ConfigError and friends propagate)."""
    target, contract = config.target, config.contract
    check_config(config)
    settings = build_settings(config)
    clock = clock or SystemClock()
    channels = [p.channel for p in settings.plans]

    def interruptible_sleep(seconds: float) -> None:
        clock.wait(seconds)

    with ExitStack() as stack:
        stack.enter_context(stop_on_signals(clock))
        opened = open_run(
            Run(target=target, contract=contract),
            stack,
            policy=PROBE_PREFLIGHT,
            extra_simulator_args=config.simulator_args,
            environ=environ,
        )
        history = History(
            config.history,
            target=target.name,
            max_pending=settings.max_pending,
            max_age_s=settings.pending_max_age_s,
        )
        metrics = ProbeMetrics(contract, channels)
        metrics.seed(history.channels)
        metrics.set_deadlines({p.channel: p.deadline_s for p in settings.plans})
        clients: dict[str, GatewayClient] = {}
        for channel in channels:  # one each: a requests.Session is not shared across threads
            clients[channel] = stack.enter_context(opened.client(pool_size=1, sleep=interruptible_sleep))
        probe = Probe(
            contract=contract,
            target=target.name,
            clients=clients,
            settings=settings,
            history=history,
            metrics=metrics,
            clock=clock,
            out=out,
            exports=Exports(
                textfile=config.textfile,
                pushgateway=config.pushgateway,
                job=config.push_job,
                grouping_key={"target": target.name},
            ),
            on_cycle=on_cycle,
        )
        refused = opened.preflight(clients[channels[0]])
        if refused is not None:
            return probe.refuse(Outcome.FORBIDDEN, refused)
        if config.webhook_listen is not None:
            receiver = open_callback(
                stack,
                stack.enter_context(opened.client(pool_size=1)),
                contract,
                config.webhook_listen,
                config.webhook_public_url,
                replace=may_replace(
                    target, allow_production=config.allow_production, replace_webhook=config.replace_webhook
                ),
                secrets=(opened.keys.primary,),
            )
            probe.follower = Follower(contract, receiver)
        if config.metrics_listen is not None and not config.loop.once:
            server = serve(metrics, *config.metrics_listen)
            stack.callback(server.close)
            log.info("serving metrics on http://%s:%d/metrics", server.host, server.port)
        return probe.run(config.loop)
