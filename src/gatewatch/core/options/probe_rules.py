"""`gatewatch probe-rules`'s options."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gatewatch.core.options.declare import CLI_ONLY, Options, ValueKind, option

#: The SLO file shipped in the source checkout (relative to it; the wheel carries a copy).
SHIPPED_SLO = "synthetic/slo.yaml"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeRulesOptions(Options):
    """The options of `gatewatch probe-rules`."""

    slo: Path | None = option(
        name="slo",
        kind=ValueKind.FILE,
        surfaces=CLI_ONLY,
        help=f"The SLO file: objectives per channel, the probe's schedule, flapping, burn-rate windows "
        f"(default ./{SHIPPED_SLO}, else the source checkout's, else the installed copy).",
    )
    out: Path | None = option(
        name="out",
        kind=ValueKind.FILE,
        surfaces=CLI_ONLY,
        help="Write the rules to this file (default: stdout).",
    )
