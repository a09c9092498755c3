"""The defect registry: named contract violations the simulator can switch on.

A defect is one small function that installs itself by wrapping one or two stages
(stages.py), registered with the `@defect` decorator under a name, the id of the rule
in contracts/rules.yaml it breaks, and a one-line description. Every module of this
package is imported on first use, so adding a defect is adding a function (or a module).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache

from gatewatch.contract import Contract
from gatewatch.errors import ConfigError
from gatewatch.simulator.stages import Stages

Install = Callable[[Stages], None]

_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_REGISTRY: dict[str, DefectSpec] = {}


@dataclass(frozen=True, slots=True)
class DefectSpec:
    """A registered defect: what it is called, which rule it breaks, how it installs."""

    name: str
    rule: str
    description: str
    install: Install


def defect(*, name: str, rule: str, description: str) -> Callable[[Install], Install]:
    """Register the decorated installer as the defect `name`, breaking rule `rule`."""
    if not _NAME.match(name):
        raise ValueError(f"defect name {name!r} is not snake_case")
    if not description.strip():
        raise ValueError(f"defect {name!r} needs a description")

    def register(install: Install) -> Install:
        if name in _REGISTRY and _REGISTRY[name].install is not install:
            raise ValueError(f"defect {name!r} is registered twice")
        _REGISTRY[name] = DefectSpec(name, rule, description, install)
        return install

    return register


@cache
def _discover() -> None:
    package = importlib.import_module(__package__ or "gatewatch.simulator.defects")
    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_") and module.name != "registry":
            importlib.import_module(f"{package.__name__}.{module.name}")


def registered() -> Mapping[str, DefectSpec]:
    """Every known defect by name, in name order."""
    _discover()
    return {name: _REGISTRY[name] for name in sorted(_REGISTRY)}


def catalogue(contract: Contract) -> list[DefectSpec]:
    """The defects in name order, each checked to name a rule the contract has."""
    specs = list(registered().values())
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
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise ConfigError(
            f"unknown defect(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(known)} (see gatewatch simulate --list-defects)",
            key="defects",
        )
    specs = tuple(known[name] for name in wanted)
    _check_rules(specs, contract)
    return specs


def install(stages: Stages, specs: Iterable[DefectSpec]) -> Stages:
    """A copy of `stages` with each defect installed in turn (each with fresh state)."""
    specs = tuple(specs)
    result = replace(stages)
    for spec in specs:
        spec.install(result)
    result.defects = tuple(spec.name for spec in specs)
    return result
