"""The defect registry: named contract violations the simulator can switch on.

A defect is one small function that installs itself by wrapping one or two stages
(stages.py) and returning the stages with them replaced, registered with the `@defect`
decorator under a name, the id of the rule in contracts/rules.yaml it breaks, and a
one-line description. `applies` says which
contracts it makes sense for (a batch-object defect needs a dialect with that object);
`needs_rate_limit` marks the ones that only show while a rate limit is on. Every module
of this package is imported on first use, so adding a defect is adding a function (or a
module).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache

from gatewatch.contract import Contract
from gatewatch.core.errors import ConfigError
from gatewatch.simulator.stages import Stages

#: Installs a defect: the stages with one or two of them wrapped.
Install = Callable[[Stages], Stages]
Applies = Callable[[Contract], bool]

_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_REGISTRY: dict[str, DefectSpec] = {}


def always(contract: Contract) -> bool:
    """Applies to every contract."""
    return True


@dataclass(frozen=True, slots=True)
class DefectSpec:
    """A registered defect: what it is called, which rule it breaks, how it installs, where it applies."""

    name: str
    rule: str
    description: str
    install: Install
    #: True for the contracts (dialects) this defect makes sense for.
    applies: Applies = always
    #: It only shows while a rate limit is on (the simulator refuses it without one).
    needs_rate_limit: bool = False


def defect(
    *,
    name: str,
    rule: str,
    description: str,
    applies: Applies = always,
    needs_rate_limit: bool = False,
) -> Callable[[Install], Install]:
    """Register the decorated installer as the defect `name`, breaking rule `rule` where `applies`."""
    if not _NAME.match(name):
        raise ValueError(f"defect name {name!r} is not snake_case")
    if not description.strip():
        raise ValueError(f"defect {name!r} needs a description")

    def register(install: Install) -> Install:
        if name in _REGISTRY and _REGISTRY[name].install is not install:
            raise ValueError(f"defect {name!r} is registered twice")
        _REGISTRY[name] = DefectSpec(name, rule, description, install, applies, needs_rate_limit)
        return install

    return register


@cache
def _discover() -> None:
    package = importlib.import_module(__package__ or "gatewatch.simulator.defects")
    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_") and module.name != "registry":
            importlib.import_module(f"{package.__name__}.{module.name}")


def registered() -> Mapping[str, DefectSpec]:
    """Every known defect by name, in name order, whatever the contract."""
    _discover()
    return {name: _REGISTRY[name] for name in sorted(_REGISTRY)}


def catalogue(contract: Contract) -> list[DefectSpec]:
    """The defects that apply to `contract`, in name order, each checked to name a rule it has."""
    specs = [spec for spec in registered().values() if spec.applies(contract)]
    _check_rules(specs, contract)
    return specs


def _check_rules(specs: Iterable[DefectSpec], contract: Contract) -> None:
    for spec in specs:
        if spec.rule not in contract.rules:
            raise ConfigError(
                f"defect {spec.name!r} breaks rule {spec.rule!r}, which the contract does not have",
                file=str(contract.root / "rules.yaml"),
                key="rules",
            )


def resolve(names: Iterable[str], contract: Contract) -> tuple[DefectSpec, ...]:
    """The specs for `names` (duplicates once, order kept), each naming a rule of `contract`.

    ConfigError lists the known names for an unknown one.
    """
    known = registered()
    wanted = tuple(dict.fromkeys(names))
    if not wanted:
        return ()
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise ConfigError(
            f"unknown defect(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(known)} (see gatewatch simulate --list-defects)",
            key="defects",
        )
    specs = tuple(known[name] for name in wanted)
    foreign = [spec.name for spec in specs if not spec.applies(contract)]
    if foreign:
        raise ConfigError(
            f"defect(s) {', '.join(map(repr, foreign))} do not apply to the {contract.dialect} dialect "
            f"(see gatewatch simulate --list-defects)",
            key="defects",
        )
    _check_rules(specs, contract)
    return specs


def install(stages: Stages, specs: Iterable[DefectSpec]) -> Stages:
    """A copy of `stages` with each defect installed in turn (each with fresh state)."""
    specs = tuple(specs)
    for spec in specs:
        stages = spec.install(stages)
    return replace(stages, defects=tuple(spec.name for spec in specs))
