"""Opening a run, the same way for every command: keys, pacer, embedded simulator, preflight.

`gatewatch contract`, `load` and `probe` (and so `gatewatch run`, which runs them) open
their run here:

- the keys (`run_keys`): with no target, the embedded simulator's own keys, whatever the
  environment holds (a user's key is for a real target); for a real target, the user's
  keys from the environment or a secrets file, with one "no API key" error;
- the pacer every client of the run shares, at the contract's pacing fraction;
- the embedded simulator when there is no target, started one way (the run's keys in its
  environment, the run's rate limit, refused for a dialect without rate limits);
- the preflight, one wrapper (`OpenRun.preflight`) whose policy says what a command
  lets through: the suite stops at anything, the load test at nothing answering, the
  probe records a refused machine and lets its runs find an absent target.

Everything started is closed by the `ExitStack` the caller passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import requests

from gatewatch.contract import Contract
from gatewatch.core.client import GatewayClient
from gatewatch.core.config import SIMULATOR_KEYS, Keys, Run, Target, read_keys
from gatewatch.core.embedded import SimulatorProcess, simulator_process
from gatewatch.core.errors import ConfigError, NotAllowed, TargetUnreachable
from gatewatch.core.options.simulate import SimulateOptions
from gatewatch.core.preflight import preflight
from gatewatch.core.ratelimit import Pacer
from gatewatch.core.secrets import FILE_SUFFIX, Secret

# The variable the embedded simulator reads the run's keys from (KEY=COMPANY,...): the
# keys travel in its environment, never on its command line.
SIM_KEYS_ENV = "GATEWATCH_SIM_KEYS"
# The companies of the run's two keys: those of the simulator's own two keys, in order.
_COMPANIES = tuple(SIMULATOR_KEYS.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class PreflightPolicy:
    """What a command lets through of the preflight's findings (a refused key never is)."""

    #: A connection made, then dropped or left unanswered: go on (the run's faults are its business).
    tolerate_dropped: bool = False
    #: Nothing answering at all: go on (each run finds it and records it as unreachable).
    tolerate_absent: bool = False
    #: A 403 (this machine refused): go on, and hand back the message to record.
    record_forbidden: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RunKeys:
    """A run's keys: the primary is always there (`run_keys` refuses a run without one)."""

    primary: Secret
    second: Secret | None

    @property
    def keys(self) -> Keys:
        """The same keys as `gatewatch.core.config.Keys`."""
        return Keys(primary=self.primary, second=self.second)


def run_keys(target: Target, environ: Mapping[str, str] | None = None) -> RunKeys:
    """The keys of a run on `target`: the embedded simulator's own, or the user's (ConfigError if none).

    A pure choice: the environment is read only for a real target.
    """
    keys = read_keys(target, environ)
    if keys.primary is None:
        raise ConfigError(no_key_message(target))
    return RunKeys(primary=keys.primary, second=keys.second)


def no_key_message(target: Target) -> str:
    """The one "no API key" message: which variable (or file variable) to set."""
    env = target.api_key_env
    return f"no API key: set ${env} (or ${env}{FILE_SUFFIX} to a file holding it)"


# A real gateway counts a key's requests across every run this process opens on it
# (`gatewatch contract`'s early preflight, then the suite's session): they share one pacer,
# so the second run knows what the first has just sent.
_TARGET_PACERS: dict[tuple[str, str, float], Pacer] = {}


def shared_pacer(target: Target, contract: Contract) -> Pacer:
    """One pacer for every client of a target: the gateway counts per key, and they share the key.

    Each embedded simulator is new (and counts from zero), so it gets a pacer of its own.
    """
    fraction = contract.rate_limits.pace_fraction
    if target.base_url is None:
        return Pacer(target.rate_limit, fraction=fraction)
    where = (target.base_url, str(target.rate_limit), fraction)
    pacer = _TARGET_PACERS.get(where)
    if pacer is None:
        pacer = _TARGET_PACERS[where] = Pacer(target.rate_limit, fraction=fraction)
    return pacer


def simulator_args(target: Target, contract: Contract) -> list[str]:
    """The embedded simulator's flags: the run's keys (by variable) and the run's rate limit.

    The simulator then enforces what the harness paces under, so `--rate-limit
    600/min,20/s` with no target tests rate limiting end to end on a laptop. A dialect
    without rate limits cannot enforce one: refused (exit 2) rather than ignored.
    """
    limit = target.rate_limit
    if not limit.unlimited and not contract.rate_limits.enabled:
        raise ConfigError(
            f"the {contract.dialect} dialect has no rate limits: the embedded simulator cannot "
            f"limit to {limit}",
            key=SimulateOptions.flag_of("rate_limit"),
        )
    rate_limit = None if limit.unlimited else str(limit)
    # Local runs register webhook receivers on 127.0.0.1, which speak plain http.
    return SimulateOptions(
        key_envs=(SIM_KEYS_ENV,), rate_limit=rate_limit, allow_http_webhooks=True
    ).as_args()


def simulator_keys_env(keys: RunKeys) -> dict[str, str]:
    """The embedded simulator's environment entry holding the run's keys (KEY=COMPANY,...)."""
    pairs = [
        f"{key.reveal()}={company}"
        for key, company in zip((keys.primary, keys.second), _COMPANIES, strict=True)
        if key is not None
    ]
    return {SIM_KEYS_ENV: ",".join(pairs)}


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenRun:
    """A run ready to start: where to send, with which keys and pacer."""

    run: Run
    keys: RunKeys
    pacer: Pacer
    #: The target's base URL, or the embedded simulator's.
    base_url: str
    simulator: SimulatorProcess | None
    policy: PreflightPolicy

    @property
    def target(self) -> Target:
        """The run's target as configured (base_url None for the embedded simulator)."""
        return self.run.target

    @property
    def contract(self) -> Contract:
        """The contract the run is judged by."""
        return self.run.contract

    def client(self, key: Secret | None = None, **options: Any) -> GatewayClient:
        """A client for the run (the primary key by default) on the shared pacer; `options` override."""
        settings: dict[str, Any] = {"pacer": self.pacer, **options}
        return GatewayClient.for_target(
            self.target,
            key if key is not None else self.keys.primary,
            contract=self.contract,
            base_url=self.base_url,
            **settings,
        )

    def preflight(self, client: GatewayClient | None = None) -> str | None:
        """The preflight, once, with `client` (else a client of its own): what the policy lets through.

        Returns the forbidden message when the policy records a 403; raises KeyRejected,
        a wrong base URL (ConfigError), NotAllowed and TargetUnreachable as the policy says.
        """
        if client is None:
            # No 500 retries: the preflight judges 401, 403, 404 and silence, not 500s.
            with self.client(retry_delays_s=()) as own:
                return self.preflight(own)
        policy = self.policy
        try:
            preflight(client, self.contract, key_env=self.target.api_key_env)
        except NotAllowed as exc:
            if policy.record_forbidden:
                return str(exc)
            raise
        except TargetUnreachable as exc:
            if policy.tolerate_dropped if exc.connected else policy.tolerate_absent:
                return None
            raise TargetUnreachable(f"target unreachable: {exc}", connected=exc.connected) from None
        except requests.RequestException as exc:
            # An answer that broke off mid-way (a connection made, then lost).
            if policy.tolerate_dropped:
                return None
            raise TargetUnreachable(f"target unreachable: {exc}", connected=True) from None
        return None


def open_run(
    run: Run,
    stack: ExitStack,
    *,
    policy: PreflightPolicy | None = None,
    extra_simulator_args: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> OpenRun:
    """Open `run`: keys chosen, pacer built, the embedded simulator started if there is no target.

    The simulator (if any) is stopped when `stack` closes. The caller runs
    `OpenRun.preflight` once, with the client its requests go through.
    """
    target, contract = run.target, run.contract
    if target.dry_run_sends and contract.send.dry_run is None:
        raise ConfigError(
            f"dry_run_sends is set, but the {contract.dialect} dialect's send body has no dry-run "
            "field: every send would be delivered",
            key=f"targets.{target.name}.dry_run_sends",
        )
    if extra_simulator_args and not target.embedded:
        raise ConfigError(
            "only the embedded simulator (no target) takes simulator arguments", key="--simulator-arg"
        )
    keys = run_keys(target, environ)
    simulator = None
    base_url = target.base_url
    if base_url is None:
        args = [*simulator_args(target, contract), *extra_simulator_args]
        simulator = stack.enter_context(simulator_process(args, simulator_keys_env(keys), contract=contract))
        base_url = simulator.base_url
    return OpenRun(
        run=run,
        keys=keys,
        pacer=shared_pacer(target, contract),
        base_url=base_url,
        simulator=simulator,
        policy=policy or PreflightPolicy(),
    )
