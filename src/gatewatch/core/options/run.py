"""`gatewatch run`'s options: the target's, and which parts run how."""

from __future__ import annotations

from dataclasses import dataclass

from gatewatch.core.options.contract import PROFILE, SEED
from gatewatch.core.options.declare import declared_field, option
from gatewatch.core.options.load import ALLOW_REMOTE
from gatewatch.core.options.target import TargetRunOptions

#: The parts of a run, in the order they run (each is the `gatewatch` command of that name).
PARTS = ("contract", "load", "probe")


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOptions(TargetRunOptions):
    """The options of `gatewatch run`."""

    only: str | None = option(
        name="only", metavar="PARTS", help=f"Run only these parts: some of {','.join(PARTS)}."
    )
    skip: str | None = option(name="skip", metavar="PARTS", help="Leave these parts out.")
    allow_remote: bool = declared_field(ALLOW_REMOTE)
    profile: str = declared_field(PROFILE)
    seed: int | None = declared_field(SEED)
    load_duration: str = option(name="load-duration", default="15s", help="How long the load part runs.")
