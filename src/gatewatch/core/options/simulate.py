"""`gatewatch simulate`'s options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gatewatch.core.options.declare import Options, ValueKind, option

#: Seconds between a message's lifecycle steps in the simulator, unless --step-s says otherwise.
DEFAULT_STEP_S = 0.2
#: POSTs per delivery webhook at most (the first and its retries), unless --webhook-attempts says
#: otherwise: the vendor documents "a limited number" of retries, not how many.
DEFAULT_WEBHOOK_ATTEMPTS = 3
#: Seconds of backoff before a webhook's retry k is k times this, unless --webhook-backoff says otherwise.
DEFAULT_WEBHOOK_BACKOFF_S = 0.1
_MS_PER_S = 1000


def _fraction(name: str, of_what: str) -> Any:
    """A fault's rate: the fraction (0 to 1) of `of_what` it hits, none by default."""
    return option(
        name=name,
        kind=ValueKind.FLOAT,
        default=0.0,
        low=0,
        high=1,
        show_default=False,
        help=f"Fraction of {of_what}.",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulateOptions(Options):
    """The options of the embedded gateway simulator run as a process."""

    host: str = option(name="host", default="127.0.0.1", help="Address to bind.")
    port: int = option(name="port", kind=ValueKind.INT, default=0, help="Port (0: any free one).")
    defects: tuple[str, ...] = option(
        name="defect",
        multiple=True,
        default=(),
        metavar="NAME",
        help="Switch on a named contract violation (repeatable; see --list-defects).",
    )
    list_defects: bool = option(
        name="list-defects",
        kind=ValueKind.FLAG,
        default=False,
        help="Print the chosen dialect's defect catalogue and exit.",
    )
    contracts: str | None = option(
        name="contracts",
        metavar="DIALECT|PATH",
        help="The contract to serve: a dialect (vendor, strict) or a contracts/ folder. "
        "Default: $GATEWATCH_CONTRACTS, else vendor.",
    )
    rate_limit: str | None = option(
        name="rate-limit",
        metavar="none|PLAN|N/min,M/s",
        help="Limit each API key: none (the default), a plan of the contract (production, trial) "
        "or N/min,M/s. Dialects without rate limits refuse it.",
    )
    latency: str = option(
        name="latency",
        default="0s",
        metavar="DURATION",
        help="Added to every answer (e.g. 100ms), without holding up other requests meanwhile.",
    )
    jitter: str = option(
        name="jitter", default="0s", metavar="DURATION", help="Up to this much more, at random."
    )
    error_rate: float = _fraction("error-rate", "answers that are 500")
    drop_rate: float = _fraction("drop-rate", "connections closed without an answer")
    malformed_rate: float = _fraction("malformed-rate", "200s with a truncated JSON body")
    step_s: float | None = option(
        name="step-s",
        kind=ValueKind.FLOAT,
        low=0,
        help=f"Seconds between lifecycle steps, every channel.  [default: {DEFAULT_STEP_S:g}]",
    )
    realistic: bool = option(
        name="realistic",
        kind=ValueKind.FLAG,
        default=False,
        help="Lifecycle steps of seconds, slower on later channels (overrides --step-s).",
    )
    max_messages: int = option(
        name="max-messages",
        kind=ValueKind.INT,
        default=100_000,
        low=1,
        help="Forget the oldest messages beyond this many.",
    )
    control: bool = option(
        name="control",
        kind=ValueKind.FLAG,
        default=False,
        help="Serve /_control/ (runtime faults, defects, reset).",
    )
    allow_http_webhooks: bool = option(
        name="allow-http-webhooks",
        kind=ValueKind.FLAG,
        default=False,
        help="Accept plain-http webhook callbacks to loopback hosts (127.0.0.1, localhost), "
        "so a local receiver can register; every other callback must use HTTPS.",
    )
    webhook_delay: str = option(
        name="webhook-delay",
        default="0s",
        metavar="DURATION",
        help="Added before each delivery webhook is POSTed (e.g. 2s).",
    )
    webhook_loss: float = _fraction("webhook-loss", "delivery webhooks never sent")
    webhook_duplicates: float = _fraction("webhook-duplicates", "delivery webhooks sent twice")
    webhook_reorder: float = _fraction(
        "webhook-reorder", "delivery webhooks held back and sent after the next one"
    )
    webhook_attempts: int = option(
        name="webhook-attempts",
        kind=ValueKind.INT,
        default=DEFAULT_WEBHOOK_ATTEMPTS,
        low=1,
        metavar="N",
        help="POSTs per delivery webhook at most: the first, and retries after no answer or a non-2xx.",
    )
    webhook_backoff: str = option(
        name="webhook-backoff",
        default=f"{DEFAULT_WEBHOOK_BACKOFF_S * _MS_PER_S:g}ms",
        metavar="DURATION",
        help="Before a delivery webhook's retry k, wait k times this.",
    )
    key_envs: tuple[str, ...] = option(
        name="keys-env",
        multiple=True,
        default=(),
        metavar="NAME",
        help="Environment variable holding extra keys as KEY=COMPANY,... (repeatable).",
    )
