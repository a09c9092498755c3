"""The shared options as click flags, built from the one table in `gatewatch.options`.

`target_options` adds the target flags and hands the command one `TargetOptions` value
(parameter `where`), which resolves to the run's target and contract through
`gatewatch.config.resolve_run`. `GroupedCommand` shows `--help` in sections: Target,
Reports, Safety, then the command's own options. Keys never come from a flag's value:
only the names of the variables that hold them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from gatewatch.options import BY_NAME, TARGET_OPTIONS, Option, TargetOptions

F = TypeVar("F", bound=Callable[..., Any])
_GROUP_ATTR = "gatewatch_group"
_OWN = "Options"


def click_option(option: Option, **overrides: Any) -> Callable[[F], F]:
    """The click flag of a shared option, tagged with its help group."""
    settings: dict[str, Any] = {
        "help": option.help,
        "default": option.default,
        "show_default": option.default not in (None, False),
        "metavar": option.metavar,
    }
    if option.type is None:
        settings.update(is_flag=True, metavar=None)
    elif option.multiple:
        settings.update(multiple=True, default=(), show_default=False)
    if option.dest == "config_file":
        settings["type"] = click.Path(path_type=Path, dir_okay=False)
    elif option.dest == "reports_dir":
        settings["type"] = click.Path(path_type=Path, file_okay=False)
    settings.update(overrides)
    made = click.option(option.flag, option.dest, **settings)

    def decorate(fn: F) -> F:
        result: F = made(fn)
        params = getattr(result, "__click_params__", [])
        if params:
            setattr(params[-1], _GROUP_ATTR, option.group)
        return result

    return decorate


def target_options(fn: F) -> F:
    """The target flags of the table; the command gets them as one `where: TargetOptions`."""
    names = [option.dest for option in TARGET_OPTIONS]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in names}
        values["skip_rules"] = tuple(values["skip_rules"] or ())
        return fn(*args, where=TargetOptions(**values), **kwargs)

    decorated: Any = wrapper
    for option in reversed(TARGET_OPTIONS):
        decorated = click_option(option)(decorated)
    result: F = decorated
    return result


def reports_option(fn: F) -> F:
    """--reports-dir: where the command writes everything."""
    return click_option(BY_NAME["reports-dir"])(fn)


def production_option(fn: F) -> F:
    """--allow-production: the explicit opt-in to send messages or load to production."""
    return click_option(BY_NAME["allow-production"])(fn)


class GroupedCommand(click.Command):
    """A command whose --help lists the shared options in their groups, then its own."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the options section by section."""
        groups: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                groups.setdefault(getattr(param, _GROUP_ATTR, _OWN), []).append(record)
        order = [g for g in ("Target", "Reports", "Safety") if g in groups] + [_OWN] * (_OWN in groups)
        for group in order:
            with formatter.section(f"{group} options" if group != _OWN else "Options"):
                formatter.write_dl(groups[group])
