"""The Locust plugin's options, made from `gatewatch load`'s declarations (`LoadOptions`).

Each option the declarations give the Locust surface is one `--gatewatch-NAME` flag, a
`GATEWATCH_LOAD_NAME` variable (unless it is a per-run opt-in) and a `gatewatch-NAME`
key in locust.conf; `LoadSettings.from_namespace` reads and checks what Locust parsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatewatch.core.errors import ConfigError
from gatewatch.core.options import Declared, Surface, ValueKind
from gatewatch.core.options.load import DEFAULT_SLO_FILE, LoadOptions
from gatewatch.loadtest.kinds import Mix, parse_mix
from gatewatch.loadtest.slo_file import PACKAGED_SLO_FILE, default_slo_file

__all__ = [
    "DEFAULT_SLO_FILE",
    "OPTIONS",
    "PACKAGED_SLO_FILE",
    "LoadSettings",
    "LocustOption",
    "default_slo_file",
]

LOCUST = Surface.LOCUST


@dataclass(frozen=True, slots=True)
class LocustOption:
    """One declared option as Locust's parser takes it."""

    declared: Declared

    @property
    def name(self) -> str:
        """The option's name, e.g. mix."""
        return str(self.declared.option.name)

    @property
    def flag(self) -> str:
        """The Locust flag, e.g. --gatewatch-mix."""
        return self.declared.option.flag(LOCUST)

    @property
    def dest(self) -> str:
        """The attribute on Locust's parsed options."""
        return self.declared.option.plugin_dest

    @property
    def env_var(self) -> str | None:
        """The environment variable, e.g. GATEWATCH_LOAD_MIX."""
        return self.declared.option.env_var

    @property
    def default(self) -> Any:
        """The default as Locust holds it: plain text or a number, which its messages carry to workers."""
        value = self.declared.option.default
        if isinstance(value, Path):
            return str(value)
        return None if value == () else value

    @property
    def help(self) -> str:
        """The declared help (a repeatable option takes commas here)."""
        option = self.declared.option
        return option.help + (" Several: comma separated." if option.multiple else "")

    def argument(self) -> dict[str, Any]:
        """The keywords of Locust's `add_argument` for this option (besides its flag)."""
        settings: dict[str, Any] = {"help": self.help, "default": self.default}
        if self.env_var is not None:
            settings["env_var"] = self.env_var
        if self.declared.option.kind is ValueKind.FLAG:
            settings["action"] = "store_true"
        return settings


OPTIONS: tuple[LocustOption, ...] = tuple(LocustOption(d) for d in LoadOptions.declared(LOCUST))
_BY_DEST = {o.declared.dest: o for o in OPTIONS}


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadSettings:
    """The checked options of a load process."""

    #: Everything as given; the properties below are what the users read on every request.
    options: LoadOptions
    mix: Mix
    slo_file: str

    @classmethod
    def from_options(cls, options: LoadOptions) -> LoadSettings:
        """Check `options` as a Locust process needs them."""
        if options.ramp and options.arrival_rate > 0:
            raise ConfigError(
                "the ramp sets the arrival rate itself: drop --arrival-rate",
                key=LoadOptions.flag_of("ramp", LOCUST),
            )
        return cls(
            options=options,
            mix=parse_mix(options.mix, key=LoadOptions.flag_of("mix", LOCUST)),
            slo_file=str(options.slo_file or default_slo_file()),
        )

    @classmethod
    def from_namespace(cls, namespace: Any) -> LoadSettings:
        """Read and check the gatewatch options on Locust's parsed options."""

        def read(declared: Declared) -> Any:
            option = _BY_DEST[declared.dest]
            return getattr(namespace, option.dest, option.default)

        return cls.from_options(LoadOptions.from_plugin(read, LOCUST))

    @property
    def skip_rules(self) -> tuple[str, ...]:
        """The contract rules switched off for the run."""
        return self.options.target.skip_rules

    @property
    def open_model(self) -> bool:
        """True when requests start on a schedule (an arrival rate, or the ramp) rather than per user."""
        return self.options.open_model

    @property
    def ramp(self) -> bool:
        """Ramp the arrival rate past the target's per-second limit."""
        return self.options.ramp

    @property
    def validate_sample(self) -> float:
        """Share of answers validated with every contract check."""
        return self.options.validate_sample

    @property
    def batch_size(self) -> int:
        """Ids per batch lookup."""
        return self.options.batch_size

    @property
    def think_time_s(self) -> float:
        """Closed model: a user's mean pause between requests."""
        return self.options.think_time_s

    @property
    def max_in_flight(self) -> int:
        """Open model: requests in flight per user at most."""
        return self.options.max_in_flight

    @property
    def max_lag_s(self) -> float:
        """Open model: how late a start may be made before it is dropped."""
        return self.options.max_lag_s
