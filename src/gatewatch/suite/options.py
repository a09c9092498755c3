"""The suite's pytest options, made from `gatewatch contract`'s declarations (`ContractOptions`).

Each is the `gatewatch contract` flag of the same name with a `--gatewatch-` prefix (the
CLI passes its flags on that way), so `pytest tests/contract --gatewatch-target staging`
and `gatewatch contract --target staging` run the same thing.
"""

from __future__ import annotations

from typing import Any

import pytest

from gatewatch.core.options import Declared, Surface, ValueKind
from gatewatch.core.options.contract import ContractOptions

GROUP = "gatewatch"
#: pytest's destinations are the option's field name behind this prefix (kept short for getoption).
DEST_PREFIX = "gw_"


def dest(name: str) -> str:
    """The pytest destination of the ContractOptions field `name`."""
    return DEST_PREFIX + name


def pytest_settings(declared: Declared) -> dict[str, Any]:
    """The `addoption` keywords of one declared option (besides its flag)."""
    option = declared.option
    settings: dict[str, Any] = {"dest": dest(declared.dest), "help": option.help}
    if option.kind is ValueKind.FLAG:
        return {**settings, "action": "store_true", "default": False}
    if option.multiple:
        return {**settings, "action": "append", "default": [], "metavar": option.metavar}
    settings.update(default=option.default, metavar=option.metavar)
    if option.kind is ValueKind.INT:
        settings["type"] = int
    if option.choices is not None:
        settings["choices"] = list(option.choices())
    return settings


def add_options(parser: pytest.Parser) -> None:
    """Register the suite's options, all `--gatewatch-` prefixed: pytest runs host other plugins."""
    group = parser.getgroup(GROUP, "gatewatch contract suite")
    for declared in ContractOptions.declared(Surface.PYTEST):
        group.addoption(declared.option.flag(Surface.PYTEST), **pytest_settings(declared))


def from_config(config: pytest.Config) -> ContractOptions:
    """The suite's options of one pytest run, as given, read off pytest's config."""
    return ContractOptions.from_plugin(lambda d: config.getoption(dest(d.dest)), Surface.PYTEST)
