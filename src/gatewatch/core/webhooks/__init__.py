"""Delivery webhooks, the harness's side: a bounded receiver and the addresses it listens on.

The gateway POSTs a delivery's news to a callback URL. `Receiver` is that callback: a small
threaded HTTP server that answers at once and records each delivery (redacted, bounded);
`addresses` reads the listen address and the public URL the gateway is told to call.
What a payload means is contract data, judged in `gatewatch.checks.webhook_deliveries`.
"""

from __future__ import annotations

from gatewatch.core.webhooks.addresses import (
    ListenAddress,
    callback_url,
    parse_listen,
    parse_public_url,
    require_callable,
)
from gatewatch.core.webhooks.receiver import Delivery, Receiver, ReceiverCounts, ReceiverSettings, Reply

__all__ = [
    "Delivery",
    "ListenAddress",
    "Receiver",
    "ReceiverCounts",
    "ReceiverSettings",
    "Reply",
    "callback_url",
    "parse_listen",
    "parse_public_url",
    "require_callable",
]
