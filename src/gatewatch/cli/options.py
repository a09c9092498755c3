"""Options every command shares: which target, where reports go, production opt-in.

One definition per option; commands stack these decorators and pass the values to
`gatewatch.config.resolve_target`.
Keys never come from a flag's value: only the names of the variables that hold them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from gatewatch.config import DEFAULT_REPORTS_DIR
from gatewatch.contract import Contract, default_contract, load_contract

F = TypeVar("F", bound=Callable[..., Any])


def target_options(fn: F) -> F:
    """--config, --target, --base-url, --contracts, --api-key-env, --second-api-key-env."""
    decorators = [
        click.option(
            "--config",
            "config_file",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="Targets file (TOML). Default: $GATEWATCH_CONFIG, else ./gatewatch.toml if present.",
        ),
        click.option("--target", "target_name", default=None, help="A target named in the targets file."),
        click.option(
            "--base-url",
            default=None,
            help="Base URL (everything before /partner-gateway/v1); overrides the target's. "
            "Neither this nor --target: the embedded simulator is started.",
        ),
        click.option(
            "--contracts",
            "contracts_dir",
            type=click.Path(path_type=Path, file_okay=False),
            default=None,
            help="A contracts/ folder to use instead of the built-in one.",
        ),
        click.option(
            "--api-key-env",
            default=None,
            help="Name of the environment variable holding the API key (default GATEWATCH_API_KEY).",
        ),
        click.option(
            "--second-api-key-env",
            default=None,
            help="Name of the variable holding a second company's key (default GATEWATCH_SECOND_API_KEY).",
        ),
    ]
    for decorate in reversed(decorators):
        fn = decorate(fn)
    return fn


def reports_option(fn: F) -> F:
    """--reports-dir: where the command writes everything (default reports/)."""
    return click.option(
        "--reports-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=DEFAULT_REPORTS_DIR,
        show_default=True,
        help="Where reports are written.",
    )(fn)


def production_option(fn: F) -> F:
    """--allow-production: the explicit opt-in to send messages or load to production."""
    return click.option(
        "--allow-production",
        is_flag=True,
        default=False,
        help="Allow sending messages or load to a target whose kind is production.",
    )(fn)


def contract_from_options(contracts_dir: Path | None) -> Contract:
    """The contract to run with: --contracts, or the built-in one."""
    return load_contract(contracts_dir) if contracts_dir else default_contract()
