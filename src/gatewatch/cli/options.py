"""Options every command shares: which target and contract, where reports go, production opt-in.

One definition per option. `target_options` adds the target flags and hands the command
one `TargetOptions` value (parameter `where`), which resolves to the run's target and
contract through `gatewatch.config.resolve_run`. Keys never come from a flag's value:
only the names of the variables that hold them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from gatewatch.config import DEFAULT_REPORTS_DIR, Run, resolve_run

F = TypeVar("F", bound=Callable[..., Any])

_TARGET_FLAGS = (
    "config_file",
    "target_name",
    "base_url",
    "contracts",
    "rate_limit",
    "skip_rules",
    "api_key_env",
    "second_api_key_env",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetOptions:
    """The target flags of one command line, as given."""

    config_file: Path | None = None
    target_name: str | None = None
    base_url: str | None = None
    contracts: str | None = None
    rate_limit: str | None = None
    skip_rules: tuple[str, ...] = ()
    api_key_env: str | None = None
    second_api_key_env: str | None = None

    def resolve(self) -> Run:
        """The target and contract these flags select (ConfigError, exit 2, when they do not)."""
        return resolve_run(
            config_file=self.config_file,
            target_name=self.target_name,
            base_url=self.base_url,
            contracts=self.contracts,
            rate_limit=self.rate_limit,
            skip_rules=self.skip_rules,
            api_key_env=self.api_key_env,
            second_api_key_env=self.second_api_key_env,
        )

    def as_args(self) -> list[str]:
        """The same flags as a command line (for a child process or pytest)."""
        args: list[str] = []
        pairs = {
            "--config": self.config_file,
            "--target": self.target_name,
            "--base-url": self.base_url,
            "--contracts": self.contracts,
            "--rate-limit": self.rate_limit,
            "--api-key-env": self.api_key_env,
            "--second-api-key-env": self.second_api_key_env,
        }
        for flag, value in pairs.items():
            if value is not None:
                args += [flag, str(value)]
        for rule in self.skip_rules:
            args += ["--skip-rule", rule]
        return args


def target_options(fn: F) -> F:
    """--config, --target, --base-url, --contracts, --rate-limit, --skip-rule, --api-key-env, ...

    The decorated command gets them as one `where: TargetOptions` argument.
    """
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
            default=None,
            metavar="DIALECT|DIR",
            help="The contract: a dialect (vendor, the default; strict) or a contracts folder. "
            "Default: the target's `contract`, else vendor.",
        ),
        click.option(
            "--rate-limit",
            default=None,
            metavar="LIMIT",
            help="The target's rate limit per key: none, production, trial or N/min,M/s. "
            "Default: the target's, else the documented production plan (none for the embedded simulator).",
        ),
        click.option(
            "--skip-rule",
            "skip_rules",
            multiple=True,
            metavar="RULE",
            help="Switch a contract rule off for this run (repeatable); reported as skipped.",
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

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in _TARGET_FLAGS}
        values["skip_rules"] = tuple(values["skip_rules"] or ())
        return fn(*args, where=TargetOptions(**values), **kwargs)

    decorated: Any = wrapper
    for decorate in reversed(decorators):
        decorated = decorate(decorated)
    result: F = decorated
    return result


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
