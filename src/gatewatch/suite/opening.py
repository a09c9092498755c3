"""Opening a suite run: the target and contract, the embedded simulator, the preflight.

Everything that can stop a run before its first test is here, and raises a
GatewatchError with the exit code it means: a bad targets file, flag or contract (2), a
key the target refuses (401) or a machine it refuses (403) (2), a base URL where every
path answers 404 (2), nothing answering (3). The pytest plugin and `gatewatch contract`
both call it, so both say the same thing. The run is opened by `gatewatch.core.opening`, as
every command's is.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack

from gatewatch.core.config import Run
from gatewatch.core.opening import PreflightPolicy, open_run
from gatewatch.core.options.webhooks import WebhookOptions
from gatewatch.suite.conformance import RATE_LIMIT_RULES, rate_limit_skip_reason
from gatewatch.suite.profiles import PROFILES, PlannedTest, plan_run
from gatewatch.suite.session import SuiteSession

# The suite stops at anything the preflight finds: no test runs against a target it refused.
SUITE_PREFLIGHT = PreflightPolicy()


def preflight_target(run: Run) -> None:
    """The preflight of a remote target, before anything else starts (nothing for the simulator)."""
    if run.target.embedded:
        return
    with ExitStack() as stack:
        open_run(run, stack, policy=SUITE_PREFLIGHT).preflight()


def open_session(
    run: Run,
    stack: ExitStack,
    *,
    profile: str,
    seed: int,
    allow_production: bool,
    tests: Sequence[PlannedTest],
    replace_webhook: bool = False,
    webhooks: WebhookOptions | None = None,
    checked: bool = False,
) -> SuiteSession:
    """A suite session on `run`: simulator started if needed (closed by `stack`), preflight passed.

    `checked`: the caller ran `preflight_target` on this run already (not run twice).
    """
    opened = open_run(run, stack, policy=SUITE_PREFLIGHT)
    target, contract = run.target, run.contract
    budget = plan_run(
        PROFILES[profile],
        target.rate_limit,
        contract.rate_limits.pace_fraction,
        tests,
        channels=target.channels,
    )
    session = SuiteSession(
        contract=contract,
        target=target,
        keys=opened.keys.keys,
        base_url=opened.base_url,
        allow_production=allow_production,
        replace_webhook=replace_webhook,
        webhooks=webhooks,
        seed=seed,
        budget=budget,
        pacer=opened.pacer,
    )
    stack.callback(session.close)
    if not checked:
        opened.preflight(session.client)
    # Only a 500 can be judged against its retries; a gateway that never answers one
    # leaves the rule honestly unexercised, and this says why.
    session.skip_rules(["server_error_retried"], "no 500 came during the run, so no retry was judged")
    reason = rate_limit_skip_reason(session)
    if reason is not None:
        # Shown only for the rules nothing judged (a contract switch-off says its own reason).
        session.skip_rules(RATE_LIMIT_RULES, reason)
    return session
