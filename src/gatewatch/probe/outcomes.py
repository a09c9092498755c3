"""What a probe run concluded, and the exit code each conclusion maps to.

The names are part of the probe's interface: they label metrics, fill the history's
`outcome` field and appear in the stdout line, so changing one breaks dashboards.
The three that name a final status (delivered, error, expired) are the contract's test
recipient outcomes; `final_outcome` maps a final status to one through the contract,
so no status is spelled here. `degraded` is a delivery slower than the channel's
degraded threshold (`decide` judges it last); it exits 0 like `delivered`.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from gatewatch.checks.webhook_deliveries import WebhookRule
from gatewatch.contract import Contract
from gatewatch.core.errors import ContractError, ExitCode
from gatewatch.probe.webhooks import WebhookReport


class Outcome(StrEnum):
    """The conclusion of one run, from the best to the most fundamental failure."""

    DELIVERED = "delivered"
    # Delivered, but slower than the channel's degraded threshold: not a failure (exit 0, the
    # success gauge stays 1), counted apart so a slow carrier is seen before it misses deadlines.
    DEGRADED = "degraded"
    ERROR = "error"  # final status with a reason: the gateway says it could not deliver
    EXPIRED = "expired"
    STUCK = "stuck"  # still not final at the deadline
    CONTRACT_VIOLATION = "contract_violation"  # an answer (or a webhook's payload) broke a rule
    # The poll saw a final status; a delivery webhook said another one (webhook_agrees_with_lookup),
    # or came for a simulation send (webhook_no_simulation).
    WEBHOOK_CONTRADICTS = "webhook_contradicts"
    # The poll saw a final status; no delivery webhook came within the deadline after it.
    WEBHOOK_LOST = "webhook_lost"
    SEND_FAILED = "send_failed"  # the send was not accepted (or its connection dropped)
    # 401 on the send or a lookup after the preflight accepted the key (revoked mid-run);
    # a key refused from the start never gets this far: the preflight ends the command.
    AUTH_FAILED = "auth_failed"
    # 403: this machine's address is not on the account's allow-list (configuration, not
    # the gateway breaking its contract).
    FORBIDDEN = "forbidden"
    UNREACHABLE = "unreachable"  # no connection could be made, or none at the end
    # Not a verdict: the probe was stopped (SIGTERM) before the run could conclude. It
    # appears in the history only; metrics count concluded runs.
    INTERRUPTED = "interrupted"

    @property
    def ok(self) -> bool:
        """True for a delivered message, in time or degraded."""
        return self in (Outcome.DELIVERED, Outcome.DEGRADED)

    @property
    def confirmable(self) -> bool:
        """True for a failure a second probe may not see again (the carrier, the network).

        A broken rule or a contradicting webhook is a fact about the gateway's answers, and a
        refused key or machine is configuration: a second message would not unbreak them.
        """
        return self in _CONFIRMABLE

    @property
    def exit_code(self) -> ExitCode:
        """0 delivered (degraded too), 2 auth_failed and forbidden (configuration), 3 unreachable, else 1."""
        if self.ok:
            return ExitCode.OK
        if self is Outcome.UNREACHABLE:
            return ExitCode.UNREACHABLE
        if self in (Outcome.AUTH_FAILED, Outcome.FORBIDDEN):
            return ExitCode.USAGE
        return ExitCode.TARGET_FAILED


_CONFIRMABLE = frozenset(
    {
        Outcome.ERROR,
        Outcome.EXPIRED,
        Outcome.STUCK,
        Outcome.WEBHOOK_LOST,
        Outcome.SEND_FAILED,
        Outcome.UNREACHABLE,
    }
)

#: The outcomes metrics are labelled with (every run that concluded has one of these).
VERDICTS: tuple[Outcome, ...] = tuple(o for o in Outcome if o is not Outcome.INTERRUPTED)


def final_outcome(contract: Contract, status: str) -> Outcome:
    """The outcome of a message that settled on the final `status`."""
    for name, recipient in contract.recipients.items():
        if recipient.final_status == status and contract.is_final(status):
            return Outcome(name)
    raise ContractError(f"final status {status!r} has no test recipient outcome", key="test_recipients")


def check_contract(contract: Contract) -> None:
    """Refuse a contract whose final statuses do not map onto the probe's outcomes."""
    names = {o.value for o in Outcome}
    for status in sorted(contract.final_statuses):
        outcome = next((name for name, r in contract.recipients.items() if r.final_status == status), None)
        if outcome is None or outcome not in names:
            raise ContractError(
                f"final status {status!r} needs a test recipient outcome named one of "
                f"{sorted(n for n in names)}",
                key="test_recipients.outcomes",
            )


def combined_exit_code(outcomes: Iterable[Outcome]) -> ExitCode:
    """One exit code for several channels: 0 if all delivered, 2, 3 or 1 otherwise.

    2 if any run was a configuration problem (it must be fixed before anything else tells),
    3 if every failure was unreachable, else 1.
    """
    failed = [o for o in outcomes if not o.ok]
    if not failed:
        return ExitCode.OK
    if any(o.exit_code is ExitCode.USAGE for o in failed):
        return ExitCode.USAGE
    if all(o is Outcome.UNREACHABLE for o in failed):
        return ExitCode.UNREACHABLE
    return ExitCode.TARGET_FAILED


#: The poll's outcomes that a webhook can overrule: the message reached a final status.
_FINAL = frozenset({Outcome.DELIVERED, Outcome.ERROR, Outcome.EXPIRED})


def decide(
    poll: Outcome,
    reason: str | None,
    webhooks: WebhookReport | None,
    *,
    delivered_in_s: float | None = None,
    degraded_after_s: float | None = None,
) -> tuple[Outcome, str | None]:
    """The run's outcome and reason from both witnesses, then the degraded threshold.

    A message both witnesses agree was delivered is degraded when it took longer than
    `degraded_after_s` (`delivered_in_s`: seconds from the send to the delivered status).
    """
    outcome, why = _witnesses(poll, reason, webhooks)
    if (
        outcome is Outcome.DELIVERED
        and degraded_after_s is not None
        and delivered_in_s is not None
        and delivered_in_s > degraded_after_s
    ):
        return Outcome.DEGRADED, (
            f"delivered after {delivered_in_s:.2f} s, over the {degraded_after_s:g} s degraded threshold"
        )
    return outcome, why


def _witnesses(
    poll: Outcome, reason: str | None, webhooks: WebhookReport | None
) -> tuple[Outcome, str | None]:
    """The run's outcome and reason from both witnesses: the poll's, then the webhooks'.

    The webhooks are judged only when the poll saw a final status (before that nothing is
    due), and then outrank it, as a broken rule outranks a final status: a payload that
    breaks its rules (contract_violation), a report of another status (webhook_contradicts),
    none within the deadline (webhook_lost). Duplicates and reports out of order are counted,
    never a failure; a run stopped while waiting keeps the poll's outcome.
    """
    if webhooks is None or poll not in _FINAL:
        return poll, reason
    if webhooks.violations:
        first = webhooks.violations[0].headline()
        more = len(webhooks.violations) - 1
        return Outcome.CONTRACT_VIOLATION, first + (f" (+{more} more)" if more else "")
    for rule, outcome in (
        (WebhookRule.AGREES, Outcome.WEBHOOK_CONTRADICTS),
        (WebhookRule.NOT_FOR_SIMULATION, Outcome.WEBHOOK_CONTRADICTS),
        (WebhookRule.LOST, Outcome.WEBHOOK_LOST),
    ):
        found = next((f for f in webhooks.failures if f.rule is rule), None)
        if found is not None:
            return outcome, found.headline()
    return poll, reason
