"""Which parts a run runs, with what flags, and why a part is left out: a pure function."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from gatewatch.config import Run
from gatewatch.durations import format_duration
from gatewatch.errors import ConfigError

PARTS = ("contract", "load", "probe")


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOptions:
    """The flags of `gatewatch run` beyond the target's."""

    target_args: tuple[str, ...]
    reports_dir: Path
    only: tuple[str, ...] = PARTS
    allow_production: bool = False
    allow_remote: bool = False
    profile: str = "ci"
    seed: int | None = None
    load_duration_s: float = 15.0
    load_users: int = 5


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
    chosen = parse_parts(only, key="--only") or PARTS
    dropped = parse_parts(skip, key="--skip")
    left = tuple(p for p in chosen if p not in dropped)
    if not left:
        raise ConfigError("--only and --skip leave no part to run", key="--skip")
    return left


def _locust_installed() -> bool:
    return importlib.util.find_spec("locust") is not None


def plan(run: Run, options: RunOptions) -> list[PartPlan]:
    """The parts of this run, in order; each one that is left out says why."""
    target = run.target
    common = (*options.target_args, "--reports-dir", str(options.reports_dir))
    production = ("--allow-production",) if options.allow_production else ()
    found: list[PartPlan] = []
    for name in options.only:
        if name == "contract":
            seed = ("--seed", str(options.seed)) if options.seed is not None else ()
            found.append(PartPlan(name, (*common, "--profile", options.profile, *seed, *production)))
        elif name == "load":
            found.append(_load(run, options, common, production))
        elif name == "probe":
            if target.is_production and not options.allow_production:
                found.append(
                    PartPlan(name, skipped="production target: the probe sends, add --allow-production")
                )
            elif target.dry_run_sends:
                found.append(PartPlan(name, skipped="dry-run sends: the probe has nothing to follow"))
            else:
                found.append(
                    PartPlan(name, (*common, "--once", "--channel", "all", *production), timeout_s=900)
                )
    return found


def _load(run: Run, options: RunOptions, common: tuple[str, ...], production: tuple[str, ...]) -> PartPlan:
    target = run.target
    if target.is_production and not options.allow_production:
        return PartPlan("load", skipped="production target: load needs --allow-production")
    if target.base_url is not None and not options.allow_remote:
        try:
            target.require_loopback("load")
        except ConfigError:
            return PartPlan("load", skipped="load goes only to 127.0.0.1 unless --allow-remote")
    if not _locust_installed():
        return PartPlan("load", skipped="Locust is not installed: pip install 'gatewatch[load]'")
    remote = ("--allow-remote",) if options.allow_remote else ()
    args = (
        *common,
        "--duration",
        format_duration(options.load_duration_s),
        "--users",
        str(options.load_users),
        *production,
        *remote,
    )
    return PartPlan("load", args, timeout_s=options.load_duration_s + 300)
