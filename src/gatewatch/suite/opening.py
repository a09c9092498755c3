"""Opening a suite run: the target and contract, the embedded simulator, the preflight.

Everything that can stop a run before its first test is here, and raises a
GatewatchError with the exit code it means: a bad targets file, flag or contract (2), a
key the target refuses (401) or a machine it refuses (403) (2), nothing answering (3).
The pytest plugin and `gatewatch contract` both call it, so both say the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack

from gatewatch.client import GatewayClient
from gatewatch.config import Keys, Run, Target, read_keys
from gatewatch.contract import Contract
from gatewatch.embedded import simulator_process
from gatewatch.errors import ConfigError, TargetUnreachable
from gatewatch.preflight import preflight
from gatewatch.suite.conformance import RATE_LIMIT_RULES, rate_limit_skip_reason
from gatewatch.suite.profiles import PROFILES, PlannedTest, plan_run
from gatewatch.suite.session import SuiteSession, pace_fraction

# The variable the embedded simulator reads the run's keys from (KEY=COMPANY,...): the
# keys travel in its environment, never on its command line.
SIM_KEYS_ENV = "GATEWATCH_SIM_KEYS"
_COMPANIES = ("A", "B")


def checked_keys(target: Target, contract: Contract) -> Keys:
    """The target's keys, refusing a run that has no primary key or cannot honour dry runs."""
    if target.dry_run_sends and contract.send.dry_run is None:
        raise ConfigError(
            f"dry_run_sends is set, but the {contract.dialect} dialect's send body has no dry-run "
            "field: every send would be delivered",
            key=f"targets.{target.name}.dry_run_sends",
        )
    keys = read_keys(target)
    if keys.primary is None:
        raise ConfigError(
            f"no API key: set ${target.api_key_env} (or ${target.api_key_env}_FILE to a file holding it)"
        )
    return keys


def preflight_target(run: Run) -> None:
    """The preflight of a remote target, before anything else starts (nothing for the simulator)."""
    if run.target.embedded:
        return
    keys = checked_keys(run.target, run.contract)
    with GatewayClient.for_target(run.target, keys.primary, contract=run.contract) as client:
        _preflight(client, run)


def open_session(
    run: Run,
    stack: ExitStack,
    *,
    profile: str,
    seed: int,
    allow_production: bool,
    tests: Sequence[PlannedTest],
) -> SuiteSession:
    """A suite session on `run`: simulator started if needed (closed by `stack`), preflight passed."""
    target, contract = run.target, run.contract
    keys = checked_keys(target, contract)
    base_url = target.base_url
    if base_url is None:
        base_url = _start_simulator(stack, target, contract, keys)
    budget = plan_run(
        PROFILES[profile], target.rate_limit, pace_fraction(contract), tests, channels=target.channels
    )
    session = SuiteSession(
        contract=contract,
        target=target,
        keys=keys,
        base_url=base_url,
        allow_production=allow_production,
        seed=seed,
        budget=budget,
    )
    stack.callback(session.close)
    _preflight(session.client, run)
    # Only a 500 can be judged against its retries; a gateway that never answers one
    # leaves the rule honestly unexercised, and this says why.
    session.skip_rules(["server_error_retried"], "no 500 came during the run, so no retry was judged")
    reason = rate_limit_skip_reason(session)
    if reason is not None:
        # Shown only for the rules nothing judged (a contract switch-off says its own reason).
        session.skip_rules(RATE_LIMIT_RULES, reason)
    return session


def simulator_args(target: Target, contract: Contract) -> list[str]:
    """The embedded simulator's flags: the run's keys, and the run's rate limit when it has one.

    The simulator then enforces what the suite paces under, so `gatewatch contract
    --rate-limit 600/min,20/s` tests rate limiting end to end on a laptop.
    """
    args = ["--keys-env", SIM_KEYS_ENV]
    if contract.rate_limits.enabled and not target.rate_limit.unlimited:
        args += ["--rate-limit", str(target.rate_limit)]
    return args


def _start_simulator(stack: ExitStack, target: Target, contract: Contract, keys: Keys) -> str:
    pairs = [
        f"{key.reveal()}={company}"
        for key, company in zip((keys.primary, keys.second), _COMPANIES, strict=True)
        if key is not None
    ]
    process = stack.enter_context(
        simulator_process(
            simulator_args(target, contract), {SIM_KEYS_ENV: ",".join(pairs)}, contract=contract
        )
    )
    return process.base_url


def _preflight(client: GatewayClient, run: Run) -> None:
    try:
        preflight(client, run.contract, key_env=run.target.api_key_env)
    except TargetUnreachable as exc:
        raise TargetUnreachable(f"target unreachable: {exc}", connected=exc.connected) from None
