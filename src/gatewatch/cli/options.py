"""A command's click flags, made from its options dataclass (`gatewatch.core.options`).

`options_command(LoadOptions)` turns a function taking one `LoadOptions` into a click
command whose flags are the declared ones, and whose `--help` lists them in sections:
Target, Reports, Safety, then the command's own options.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from gatewatch.core.options.declare import GROUPS, OWN, Declared, Options, Surface, ValueKind

OptionsT = TypeVar("OptionsT", bound=Options)
_GROUP_ATTR = "gatewatch_group"


_PATHS = {
    ValueKind.FILE: click.Path(path_type=Path, dir_okay=False),
    ValueKind.DIR: click.Path(path_type=Path, file_okay=False),
}


def click_type(declared: Declared) -> Any:
    """The click type of a declared option's value (None: text)."""
    option = declared.option
    bounded = option.low is not None or option.high is not None
    if option.kind is ValueKind.INT:
        return click.IntRange(min=_whole(option.low), max=_whole(option.high)) if bounded else int
    if option.kind is ValueKind.FLOAT:
        return (
            click.FloatRange(min=option.low, max=option.high, min_open=option.low_open) if bounded else float
        )
    if option.choices is not None:
        return click.Choice(list(option.choices()))
    return _PATHS.get(option.kind)


def _whole(bound: float | None) -> int | None:
    return None if bound is None else int(bound)


def click_param(declared: Declared) -> click.Parameter:
    """The click flag (or trailing arguments) of one declared option, tagged with its help group."""
    option = declared.option
    if option.kind is ValueKind.REST:
        return click.Argument([declared.dest], nargs=-1, type=click.UNPROCESSED)
    settings: dict[str, Any] = {"help": option.help, "show_default": option.shows_default}
    if option.kind is ValueKind.FLAG:
        settings.update(is_flag=True, default=False)
    else:
        settings.update(default=option.default, metavar=option.metavar, type=click_type(declared))
    if option.multiple:
        settings.update(multiple=True, default=())
    param = click.Option([*option.flags(), declared.dest], **settings)
    setattr(param, _GROUP_ATTR, option.group)
    return param


def options_command(
    options: type[OptionsT], *, name: str
) -> Callable[[Callable[[OptionsT], Any]], click.Command]:
    """A click command with `options`' declared flags; the function gets one `options` object."""

    def decorate(fn: Callable[[OptionsT], Any]) -> click.Command:
        def callback(**values: Any) -> Any:
            return fn(options.from_values(values))

        return GroupedCommand(
            name=name,
            callback=callback,
            params=[click_param(d) for d in options.declared(Surface.CLI)],
            help=inspect.getdoc(fn),
        )

    return decorate


class GroupedCommand(click.Command):
    """A command whose --help lists the shared options in their groups, then its own."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the options section by section."""
        groups: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                groups.setdefault(getattr(param, _GROUP_ATTR, OWN), []).append(record)
        for group in (g for g in GROUPS if g in groups):
            with formatter.section(f"{group} options" if group != OWN else "Options"):
                formatter.write_dl(groups[group])
