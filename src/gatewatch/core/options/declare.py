"""How an option is declared once, and how every tool that carries it reads and writes it.

An `Option` gives one flag its name, kind, default, bounds, help and help group. A
command's options are one frozen dataclass whose fields carry their `Option` in the
field's metadata (`option(...)`), or embed another such dataclass (`embed(...)`, the
target flags every command shares). From that one declaration come:

- the click flags of the `gatewatch` command (`gatewatch.cli.options`), ``--NAME``;
- the pytest plugin's and the Locust plugin's options (`gatewatch.suite.options`,
  `gatewatch.loadtest.settings`), ``--gatewatch-NAME``: those tools share a command
  line with other plugins, so gatewatch's flags carry its name;
- the command lines written for a child process or a replay (`Options.as_args`), and
  the values read back from a plugin's parsed options (`Options.from_plugin`).

Each option says which of these surfaces carry it (`surfaces`).
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

from gatewatch.core.errors import ConfigError

PLUGIN_PREFIX = "--gatewatch-"
#: Locust reads each of its options from GATEWATCH_LOAD_NAME too (unless the option says not).
LOCUST_ENV_PREFIX = "GATEWATCH_LOAD_"
_OPTION = "gatewatch.option"
_EMBED = "gatewatch.embed"

TARGET = "Target"
REPORTS = "Reports"
SAFETY = "Safety"
OWN = "Options"
#: The help groups, in the order --help shows them.
GROUPS = (TARGET, REPORTS, SAFETY, OWN)


class Surface(enum.Enum):
    """A tool that carries options: gatewatch's own commands, or a plugin inside another tool."""

    CLI = "cli"
    PYTEST = "pytest"
    #: Repeatable values travel comma separated (one flag, env var or config key each).
    LOCUST = "locust"


ALL_SURFACES = frozenset(Surface)
CLI_ONLY = frozenset({Surface.CLI})


class ValueKind(enum.Enum):
    """What an option's value is."""

    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    #: On or off; off by default.
    FLAG = "flag"
    FILE = "file"
    DIR = "dir"
    #: The command's trailing arguments, passed on unchanged (after `--`).
    REST = "rest"


@dataclass(frozen=True, slots=True, kw_only=True)
class Option:
    """One option: its flag, kind, default, bounds, help and group, for every surface."""

    #: The long flag without its dashes (None: the option has only `short`).
    name: str | None
    help: str
    group: str = OWN
    kind: ValueKind = ValueKind.TEXT
    default: Any = None
    short: str | None = None
    metavar: str | None = None
    multiple: bool = False
    low: float | None = None
    high: float | None = None
    #: True: `low` itself is refused.
    low_open: bool = False
    #: The values allowed (read when a parser is built, so the declaration imports no engine).
    choices: Callable[[], Sequence[str]] | None = None
    surfaces: frozenset[Surface] = ALL_SURFACES
    #: Locust: the value may come from an environment variable (not for a per-run opt-in).
    env: bool = True
    show_default: bool = True

    def flag(self, surface: Surface = Surface.CLI) -> str:
        """The flag on `surface`: --NAME for the CLI, --gatewatch-NAME for the plugins."""
        if surface is Surface.CLI:
            return f"--{self.name}" if self.name else str(self.short)
        return PLUGIN_PREFIX + str(self.name)

    def flags(self) -> list[str]:
        """The click spellings: the short one first, if any."""
        return [f for f in (self.short, f"--{self.name}" if self.name else None) if f]

    @property
    def plugin_dest(self) -> str:
        """The attribute a plugin's argparse parser sets for --gatewatch-NAME."""
        return self.flag(Surface.LOCUST).lstrip("-").replace("-", "_")

    @property
    def env_var(self) -> str | None:
        """Locust's environment variable for the option, e.g. GATEWATCH_LOAD_MIX."""
        if not self.env or self.name is None:
            return None
        return LOCUST_ENV_PREFIX + self.name.replace("-", "_").upper()

    @property
    def shows_default(self) -> bool:
        """Whether --help shows the default (there is one worth showing)."""
        # By identity: 0 is a default worth showing, though it equals False.
        return self.show_default and not any(self.default is empty for empty in (None, False, ()))

    def encode(self, value: Any, surface: Surface, *, explicit: bool = False) -> list[str]:
        """`value` as command-line words on `surface` (nothing for the default, unless `explicit`)."""
        if value is None or value == () or (value == self.default and not explicit):
            return []
        flag = self.flag(surface)
        if self.kind is ValueKind.FLAG:
            return [flag] if value else []
        if self.kind is ValueKind.REST:
            return ["--", *value]
        if self.multiple:
            if surface is Surface.LOCUST:
                return [flag, ",".join(map(str, value))]
            return [word for item in value for word in (flag, _text(item))]
        return [flag, _text(value)]

    def parse(self, raw: Any, surface: Surface) -> Any:
        """A plugin's parsed value (text, a list, or a number already) as this option's value."""
        key = self.flag(surface)
        if self.kind is ValueKind.FLAG:
            return bool(raw)
        if self.multiple:
            items = raw.split(",") if isinstance(raw, str) else list(raw or ())
            return tuple(str(item).strip() for item in items if str(item).strip())
        if raw is None or (raw == "" and self.default is None):
            return None
        if self.kind in (ValueKind.FILE, ValueKind.DIR):
            return Path(raw)
        if self.kind in (ValueKind.INT, ValueKind.FLOAT):
            return self.check(_number(raw, key, integer=self.kind is ValueKind.INT), key=key)
        if self.choices is not None and raw not in self.choices():
            raise ConfigError(f"expected one of {sorted(self.choices())}, got {raw!r}", key=key)
        return str(raw)

    def check(self, number: float, *, key: str) -> float:
        """`number` if it is within the option's bounds; else ConfigError naming `key`."""
        low = -math.inf if self.low is None else self.low
        high = math.inf if self.high is None else self.high
        if number < low or number > high or (self.low_open and number == low):
            raise ConfigError(f"expected a number from {low:g} to {high:g}, got {number:g}", key=key)
        return number


def _text(value: Any) -> str:
    """A value as a flag's text: floats in their shortest exact form (50.0 -> 50)."""
    if isinstance(value, float):
        text = repr(value)
        return text.removesuffix(".0")
    return str(value)


def _number(raw: Any, key: str, *, integer: bool) -> Any:
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"expected a number, got {raw!r}", key=key) from None
    if not math.isfinite(number):
        raise ConfigError(f"expected a number, got {raw!r}", key=key)
    return int(number) if integer else number


def option(**declared: Any) -> Any:
    """A dataclass field declared as an option (keyword arguments of `Option`)."""
    return declared_field(Option(**declared))


def declared_field(declared: Option) -> Any:
    """A dataclass field carrying `declared`, an option shared by several commands."""
    return field(default=declared.default, metadata={_OPTION: declared})


def embed(group: type[Options]) -> Any:
    """A field holding a group of options declared elsewhere (the target flags)."""
    return field(default_factory=group, metadata={_EMBED: group})


@dataclass(frozen=True, slots=True)
class Declared:
    """One option of a command: where its value sits in the options object, and its declaration."""

    path: tuple[str, ...]
    option: Option

    @property
    def dest(self) -> str:
        """The option's name in a flat mapping of values (its field's name)."""
        return self.path[-1]


class Options:
    """The base of a command's options dataclass: declarations, command lines, plugin values."""

    __slots__ = ()
    #: The surfaces this command's options travel on.
    SURFACES: ClassVar[frozenset[Surface]] = CLI_ONLY

    @classmethod
    def declared(cls, surface: Surface | None = None) -> Iterator[Declared]:
        """Every option of the command, embedded groups included, in declaration order."""
        for declared in _walk(cls, ()):
            if surface is None or (surface in declared.option.surfaces and surface in cls.SURFACES):
                yield declared

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Self:
        """The options from a flat mapping of field name to value (what click hands a command)."""
        built: Self = _build(cls, values)
        return built

    @classmethod
    def from_plugin(cls, read: Callable[[Declared], Any], surface: Surface) -> Self:
        """The options a plugin parsed on `surface`, each read with `read` and checked."""
        values = {d.dest: d.option.parse(read(d), surface) for d in cls.declared(surface)}
        return cls.from_values(values)

    @classmethod
    def flag_of(cls, name: str, surface: Surface = Surface.CLI) -> str:
        """The flag of the field `name` on `surface` (for messages that name it)."""
        for declared in cls.declared():
            if declared.dest == name:
                return declared.option.flag(surface)
        raise KeyError(name)

    def value(self, declared: Declared) -> Any:
        """The value of one declared option."""
        found: Any = self
        for name in declared.path:
            found = getattr(found, name)
        return found

    def as_args(self, surface: Surface = Surface.CLI, *, explicit: bool = False) -> list[str]:
        """These options as command-line words on `surface`.

        Defaults are left off (the reader has the same), unless `explicit`: a child's
        command line then says everything it was given, for whoever reads its log.
        """
        args: list[str] = []
        rest: list[str] = []
        for declared in self.declared(surface):
            words = declared.option.encode(self.value(declared), surface, explicit=explicit)
            (rest if declared.option.kind is ValueKind.REST else args).extend(words)
        return [*args, *rest]


def _walk(cls: type, path: tuple[str, ...]) -> Iterator[Declared]:
    for f in dataclasses.fields(cls):
        if _OPTION in f.metadata:
            yield Declared((*path, f.name), f.metadata[_OPTION])
        elif _EMBED in f.metadata:
            yield from _walk(f.metadata[_EMBED], (*path, f.name))


def _build(cls: type, values: Mapping[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if _EMBED in f.metadata:
            kwargs[f.name] = _build(f.metadata[_EMBED], values)
        elif _OPTION in f.metadata and f.name in values:
            declared: Option = f.metadata[_OPTION]
            value = values[f.name]
            kwargs[f.name] = (
                tuple(value or ()) if declared.multiple or declared.kind is ValueKind.REST else value
            )
    return cls(**kwargs)
