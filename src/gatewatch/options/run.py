"""`gatewatch run`'s options: the target's, and which parts run how."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gatewatch.options.contract import PROFILE, SEED
from gatewatch.options.declare import Options, declared_field, embed, option
from gatewatch.options.load import ALLOW_REMOTE
from gatewatch.options.target import ALLOW_PRODUCTION, REPORTS_DIR, TargetOptions

#: The parts of a run, in the order they run (each is the `gatewatch` command of that name).
PARTS = ("contract", "load", "probe")


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOptions(Options):
    """The options of `gatewatch run`."""

    target: TargetOptions = embed(TargetOptions)
    reports_dir: Path = declared_field(REPORTS_DIR)
    allow_production: bool = declared_field(ALLOW_PRODUCTION)
    only: str | None = option(
        name="only", metavar="PARTS", help=f"Run only these parts: some of {','.join(PARTS)}."
    )
    skip: str | None = option(name="skip", metavar="PARTS", help="Leave these parts out.")
    allow_remote: bool = declared_field(ALLOW_REMOTE)
    profile: str = declared_field(PROFILE)
    seed: int | None = declared_field(SEED)
    load_duration: str = option(name="load-duration", default="15s", help="How long the load part runs.")
