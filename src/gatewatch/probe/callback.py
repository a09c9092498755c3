"""The probe's callback: its receiver, registered as the account's one webhook, and put back at exit.

An account has one delivery-status webhook, shared by every channel and by the partner's
real traffic, so the probe reads it first (GET) and:

- none: registers its own (POST), and deletes it at exit;
- one calling the probe's URL already (an earlier process's, or a second probe's): uses it;
- one calling elsewhere: refuses (exit 2) unless --replace-webhook (and, in production,
  --allow-production, which sending already needs); then it replaces it (PUT) and puts
  the URL it found back at exit.

A target that refuses the callback (400: the real gateway wants https) is a configuration
problem: one line naming --webhook-public-url. What the probe changed it undoes in the
run's ExitStack, so once mode undoes after the run and loop mode when the loop ends,
signals included (they stop the clock; the loop returns and the stack unwinds).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack
from urllib.parse import urlsplit

from gatewatch.checks.webhook_registration import registration_of
from gatewatch.contract import Contract
from gatewatch.contract.operations import Operation
from gatewatch.core.client import GatewayClient
from gatewatch.core.config import Target
from gatewatch.core.errors import ConfigError
from gatewatch.core.options.probe import ProbeOptions
from gatewatch.core.options.webhooks import WebhookOptions
from gatewatch.core.secrets import Secret
from gatewatch.core.webhooks import ListenAddress, Receiver, ReceiverSettings, callback_url

log = logging.getLogger(__name__)

REPLACE_FLAG = ProbeOptions.flag_of("replace_webhook")
PRODUCTION_FLAG = ProbeOptions.flag_of("allow_production")
PUBLIC_URL_FLAG = WebhookOptions.flag_of("webhook_public_url")


def may_replace(target: Target, *, allow_production: bool, replace_webhook: bool) -> bool:
    """True when the probe may replace a webhook calling elsewhere (never in production by default)."""
    if not replace_webhook:
        return False
    return allow_production or not target.is_production


def _host(url: object) -> str:
    """Only the host of a URL someone else registered: its path or query may carry a token."""
    host = urlsplit(url).hostname if isinstance(url, str) else None
    return host or "an unreadable URL"


class Registration:
    """GET, then POST or PUT the probe's callback; `undo` puts back what it found."""

    def __init__(self, client: GatewayClient, contract: Contract, url: str) -> None:
        self.client = client
        self.contract = contract
        self.url = url
        self.undo: Callable[[], None] | None = None

    def claim(self, *, replace: bool) -> None:
        """Make the account's webhook call `url` (ConfigError, exit 2, when it may not or cannot)."""
        codes = self.contract.codes
        found = self.client.webhook(Operation.WEBHOOK_GET)
        if found.status == codes.not_found:
            self._write(Operation.WEBHOOK_CREATE, {codes.created})
            self.undo = self._delete
            return
        if found.status != codes.ok:
            raise ConfigError(f"reading the account's delivery-status webhook answered {found.status}")
        theirs = (registration_of(found) or {}).get(self.contract.webhooks.registration.callback_url)
        if theirs == self.url:
            return  # ours already (an earlier process's): left as it is at exit
        if not replace:
            raise ConfigError(
                f"the account's one delivery-status webhook calls {_host(theirs)}, shared by every channel "
                f"and the account's real traffic; pass {REPLACE_FLAG} to let the probe replace it for the "
                f"run (it is put back at exit; in production {PRODUCTION_FLAG} too)",
                key=REPLACE_FLAG,
            )
        self._write(Operation.WEBHOOK_UPDATE, {codes.ok})
        self.undo = lambda: self._put_back(theirs)

    def _write(self, operation: Operation, expected: set[int]) -> None:
        answer = self.client.webhook(operation, self.url)
        if answer.status in expected:
            return
        if answer.status == self.contract.codes.bad_request:
            raise ConfigError(
                f"the target refused the callback {_host(self.url)} ({answer.status}; the gateway wants "
                f"https): give the URL that forwards to the receiver with {PUBLIC_URL_FLAG}",
                key=PUBLIC_URL_FLAG,
            )
        raise ConfigError(f"registering the probe's delivery-status webhook answered {answer.status}")

    def _delete(self) -> None:
        answer = self.client.webhook(Operation.WEBHOOK_DELETE)
        if answer.status not in (self.contract.codes.no_content, self.contract.codes.not_found):
            log.warning("could not delete the probe's delivery-status webhook: %s", answer.status)

    def _put_back(self, url: object) -> None:
        answer = self.client.webhook(Operation.WEBHOOK_UPDATE, url)
        if answer.status != self.contract.codes.ok:
            log.warning(
                "could not put back the delivery-status webhook calling %s: %s (set it again by hand)",
                _host(url),
                answer.status,
            )

    def restore(self) -> None:
        """Undo what `claim` changed (logged, never raised: the run's verdict stands)."""
        undo, self.undo = self.undo, None
        if undo is None:
            return
        try:
            undo()
        except Exception as exc:  # a failed restore is told, it must not hide the run's outcome
            log.warning("could not restore the delivery-status webhook: %s: %s", type(exc).__name__, exc)


def open_callback(
    stack: ExitStack,
    client: GatewayClient,
    contract: Contract,
    listen: ListenAddress,
    public_url: str | None,
    *,
    replace: bool,
    secrets: tuple[Secret, ...] = (),
) -> Receiver:
    """Start the receiver and make the account's webhook call it, undone when `stack` unwinds."""
    receiver = Receiver(ReceiverSettings(listen=listen, secrets=secrets))
    receiver.start()
    stack.callback(receiver.stop)
    registration = Registration(client, contract, callback_url(listen, public_url, receiver.address[1]))
    # Pushed before the claim: a claim cut short (a signal, a refused PUT) still undoes its POST.
    stack.callback(registration.restore)
    registration.claim(replace=replace)
    return receiver
