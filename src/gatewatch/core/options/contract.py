"""`gatewatch contract`'s options, which the pytest plugin carries as --gatewatch-NAME too."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from gatewatch.core.options.declare import (
    CLI_ONLY,
    Option,
    Surface,
    ValueKind,
    declared_field,
    embed,
    option,
)
from gatewatch.core.options.target import TargetRunOptions
from gatewatch.core.options.webhooks import REPLACE_WEBHOOK, WebhookOptions

COMMAND = "contract"


def profile_names() -> Sequence[str]:
    """The suite's profiles (read when a parser is built: the declaration imports no engine)."""
    from gatewatch.suite.profiles import PROFILES

    return sorted(PROFILES)


#: The suite's profile unless --profile says otherwise (the fast one, for every deploy).
DEFAULT_PROFILE = "ci"

PROFILE = Option(
    name="profile",
    default=DEFAULT_PROFILE,
    choices=profile_names,
    help="ci: fast, for every deploy (adapts to a rate limit); deep: many more examples, for nightly runs.",
)
SEED = Option(name="seed", kind=ValueKind.INT, help="Replay a run: the seed it printed.")


@dataclass(frozen=True, slots=True, kw_only=True)
class ContractOptions(TargetRunOptions):
    """The options of one contract suite run (`gatewatch contract`, or pytest with the plugin)."""

    SURFACES = frozenset({Surface.CLI, Surface.PYTEST})

    profile: str = declared_field(PROFILE)
    seed: int | None = declared_field(SEED)
    replace_webhook: bool = declared_field(REPLACE_WEBHOOK)
    webhooks: WebhookOptions = embed(WebhookOptions)
    # pytest's own flags: the command passes them on as such.
    keyword: str | None = option(
        name=None, short="-k", surfaces=CLI_ONLY, help="Only tests matching this pytest -k expression."
    )
    exitfirst: bool = option(
        name="exitfirst",
        short="-x",
        kind=ValueKind.FLAG,
        default=False,
        surfaces=CLI_ONLY,
        help="Stop at the first failing test.",
    )
    verbose: bool = option(
        name="verbose",
        short="-v",
        kind=ValueKind.FLAG,
        default=False,
        surfaces=CLI_ONLY,
        help="One line per test.",
    )

    def replay_line(self, *, seed: int, keyword: str | None = None) -> str:
        """The one-line command that replays this run (or the tests `keyword` selects).

        It repeats the target flags, the profile, the seed and where the gateway calls back
        (--webhook-listen, --webhook-public-url); not where the reports went, nor the opt-ins
        to production, which a replay must give again on purpose.
        """
        replay = ContractOptions(
            target=self.target, profile=self.profile, seed=seed, keyword=keyword, webhooks=self.webhooks
        )
        return shlex.join(["gatewatch", COMMAND, *replay.as_args()])
