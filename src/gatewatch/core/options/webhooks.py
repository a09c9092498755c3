"""Where the harness receives delivery webhooks: --webhook-listen and --webhook-public-url.

The contract suite and the probe carry both. Without --webhook-listen, a target on this
machine (the embedded simulator, a server on 127.0.0.1) gets a receiver on 127.0.0.1 and a
free port; any other target has its webhook deliveries untested, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from gatewatch.core.config import LOOPBACK_HOSTS, Target
from gatewatch.core.errors import ConfigError
from gatewatch.core.options.declare import SAFETY, Option, Options, Surface, ValueKind, option
from gatewatch.core.webhooks import ListenAddress, parse_listen, parse_public_url, require_callable

_CLI_AND_PYTEST = frozenset({Surface.CLI, Surface.PYTEST})
#: Where the receiver listens for a target on this machine when --webhook-listen is not given.
LOCAL_LISTEN = ListenAddress("127.0.0.1", 0)

REPLACE_WEBHOOK = Option(
    name="replace-webhook",
    group=SAFETY,
    kind=ValueKind.FLAG,
    default=False,
    env=False,  # a decision per run, like --allow-production
    help="Let gatewatch replace the account's one delivery-status webhook and put the one it found "
    "back at exit: a production target's (with --allow-production), and for the probe one that calls "
    "elsewhere. Without it such a webhook is only read.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookOptions(Options):
    """The receiver's address and the callback URL the gateway is told to call."""

    SURFACES = _CLI_AND_PYTEST

    webhook_listen: str | None = option(
        name="webhook-listen",
        metavar="HOST:PORT",
        surfaces=_CLI_AND_PYTEST,
        help="Receive delivery webhooks on HOST:PORT (port 0: any free port). Default: 127.0.0.1 and "
        "a free port for a target on this machine (the probe: for the simulator it starts only); "
        "elsewhere webhook deliveries are not tested.",
    )
    webhook_public_url: str | None = option(
        name="webhook-public-url",
        metavar="URL",
        surfaces=_CLI_AND_PYTEST,
        help="The callback URL the gateway is told to call, when it is not the listen address "
        "(a tunnel or an ingress that forwards to it; the real gateway wants https).",
    )

    def listen_address(self, target: Target) -> ListenAddress | None:
        """Where to listen (ConfigError, exit 2, for a malformed value); None: no receiver for `target`."""
        if self.webhook_listen is not None:
            listen = parse_listen(self.webhook_listen, key=self.flag_of("webhook_listen"))
            # Checked before anything is sent or registered.
            require_callable(
                listen,
                self.public_url(),
                key=self.flag_of("webhook_listen"),
                public_flag=self.flag_of("webhook_public_url"),
            )
            return listen
        if self.webhook_public_url is not None:
            # A public URL forwards to something: say where, rather than guess.
            raise ConfigError(
                f"needs {self.flag_of('webhook_listen')} HOST:PORT too: where the URL forwards to",
                key=self.flag_of("webhook_public_url"),
            )
        local = target.base_url is None or urlsplit(target.base_url).hostname in LOOPBACK_HOSTS
        return LOCAL_LISTEN if local else None

    def public_url(self) -> str | None:
        """The public callback URL, checked (ConfigError for a malformed one); None when not given."""
        if self.webhook_public_url is None:
            return None
        return parse_public_url(self.webhook_public_url, key=self.flag_of("webhook_public_url"))
