"""Which parts a run runs, with what flags, and why a part is left out: a pure function.

Each part's command line is its command's options object written out (`as_args`), so a
flag is spelled where it is declared (`gatewatch.core.options`), not here.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import Any

from gatewatch.core.config import Run
from gatewatch.core.durations import parse_duration
from gatewatch.core.errors import ConfigError
from gatewatch.core.options import Options
from gatewatch.core.options.contract import ContractOptions
from gatewatch.core.options.load import LoadOptions
from gatewatch.core.options.probe import ProbeOptions
from gatewatch.core.options.run import PARTS, RunOptions

__all__ = ["PARTS", "PartPlan", "RunOptions", "choose", "parse_parts", "plan"]

#: Users of the run's short load test.
LOAD_USERS = 5
# Beyond its run time: the load part's start, setup phase and verdict.
LOAD_GRACE_S = 300.0
PROBE_TIMEOUT_S = 900.0


@dataclass(frozen=True, slots=True)
class PartPlan:
    """One part: its command-line arguments, or why it is not run."""

    name: str
    args: tuple[str, ...] = ()
    #: Why the part is left out (None: it runs).
    skipped: str | None = None
    #: Seconds the part may take before it is stopped (it has its own bounds inside).
    timeout_s: float = 1800.0
    extra: dict[str, str] = field(default_factory=dict)


def parse_parts(text: str | None, *, key: str) -> tuple[str, ...]:
    """`contract,load` as a tuple of known part names, in run order."""
    if text is None:
        return ()
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in PARTS]
    if unknown or not names:
        raise ConfigError(f"expected some of {', '.join(PARTS)} (comma separated), got {text!r}", key=key)
    return tuple(p for p in PARTS if p in names)


def choose(only: str | None, skip: str | None) -> tuple[str, ...]:
    """The parts --only and --skip leave, in run order."""
    chosen = parse_parts(only, key=RunOptions.flag_of("only")) or PARTS
    dropped = parse_parts(skip, key=RunOptions.flag_of("skip"))
    left = tuple(p for p in chosen if p not in dropped)
    if not left:
        raise ConfigError(
            f"{RunOptions.flag_of('only')} and {RunOptions.flag_of('skip')} leave no part to run",
            key=RunOptions.flag_of("skip"),
        )
    return left


def _locust_installed() -> bool:
    return importlib.util.find_spec("locust") is not None


def _args(options: Options) -> tuple[str, ...]:
    return tuple(options.as_args(explicit=True))


def _common(options: RunOptions) -> dict[str, Any]:
    """What every part is told as the run was: the target flags, the reports folder, the opt-in."""
    return {
        "target": options.target,
        "reports_dir": options.reports_dir.absolute(),
        "allow_production": options.allow_production,
    }


def plan(run: Run, options: RunOptions) -> list[PartPlan]:
    """The parts of this run, in order; each one that is left out says why."""
    planners = {"contract": _contract, "load": _load, "probe": _probe}
    return [planners[name](run, options) for name in choose(options.only, options.skip)]


def _contract(run: Run, options: RunOptions) -> PartPlan:
    told = ContractOptions(**_common(options), profile=options.profile, seed=options.seed)
    return PartPlan("contract", _args(told))


def _probe(run: Run, options: RunOptions) -> PartPlan:
    target = run.target
    production = RunOptions.flag_of("allow_production")
    if target.is_production and not options.allow_production:
        return PartPlan("probe", skipped=f"production target: the probe sends, add {production}")
    if target.dry_run_sends:
        return PartPlan("probe", skipped="dry-run sends: the probe has nothing to follow")
    told = ProbeOptions(**_common(options), once=True)
    return PartPlan("probe", _args(told), timeout_s=PROBE_TIMEOUT_S)


def _load(run: Run, options: RunOptions) -> PartPlan:
    target = run.target
    if target.is_production and not options.allow_production:
        return PartPlan(
            "load", skipped=f"production target: load needs {RunOptions.flag_of('allow_production')}"
        )
    if target.base_url is not None and not options.allow_remote:
        try:
            target.require_loopback("load")
        except ConfigError:
            return PartPlan(
                "load", skipped=f"load goes only to 127.0.0.1 unless {RunOptions.flag_of('allow_remote')}"
            )
    if not _locust_installed():
        return PartPlan("load", skipped="Locust is not installed: pip install 'gatewatch[load]'")
    told = LoadOptions(
        **_common(options),
        allow_remote=options.allow_remote,
        duration=options.load_duration,
        users=LOAD_USERS,
    )
    duration_s = parse_duration(options.load_duration, key=RunOptions.flag_of("load_duration"))
    return PartPlan("load", _args(told), timeout_s=duration_s + LOAD_GRACE_S)
