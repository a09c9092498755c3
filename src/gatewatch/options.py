"""The options every command shares, defined once: the CLI, the pytest plugin and Locust read them.

Each `Option` gives one flag its name, type, default, help and group. The click commands
spell it `--NAME`; the pytest plugin and the Locust plugin, which share a command line
with other tools, spell it `--gatewatch-NAME` so they never take a flag another plugin
owns (pytest-base-url's `--base-url`, say). The defaults live here and nowhere else, and
`--help` shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatewatch.config import DEFAULT_KEY_ENV, DEFAULT_REPORTS_DIR, DEFAULT_SECOND_KEY_ENV, Run, resolve_run

PLUGIN_PREFIX = "--gatewatch-"


@dataclass(frozen=True, slots=True, kw_only=True)
class Option:
    """One shared option."""

    name: str
    dest: str
    help: str
    group: str
    #: None: an on/off flag.
    type: type | None = str
    default: Any = None
    multiple: bool = False
    metavar: str | None = None

    @property
    def flag(self) -> str:
        """The click flag: --NAME."""
        return f"--{self.name}"

    @property
    def plugin_flag(self) -> str:
        """The pytest and Locust flag: --gatewatch-NAME."""
        return PLUGIN_PREFIX + self.name

    @property
    def plugin_dest(self) -> str:
        """The attribute the plugins' parsers set."""
        return "gatewatch_" + self.dest


TARGET = "Target"
REPORTS = "Reports"
SAFETY = "Safety"

SHARED: tuple[Option, ...] = (
    Option(
        name="config",
        dest="config_file",
        group=TARGET,
        metavar="FILE",
        help="Targets file (TOML). Default: $GATEWATCH_CONFIG, else ./gatewatch.toml if present.",
    ),
    Option(
        name="target", dest="target_name", group=TARGET, metavar="NAME", help="A target of the targets file."
    ),
    Option(
        name="base-url",
        dest="base_url",
        group=TARGET,
        metavar="URL",
        help="Base URL (everything before /partner-gateway/v1); overrides the target's. "
        "Neither this nor --target: the embedded simulator is started.",
    ),
    Option(
        name="contracts",
        dest="contracts",
        group=TARGET,
        metavar="DIALECT|DIR",
        help="The contract: a dialect (vendor, the default; strict) or a contracts folder. "
        "Default: the target's `contract`, else vendor.",
    ),
    Option(
        name="rate-limit",
        dest="rate_limit",
        group=TARGET,
        metavar="LIMIT",
        help="The target's rate limit per key: none, production, trial or N/min,M/s. Default: the "
        "target's, else the documented production plan (none for the embedded simulator).",
    ),
    Option(
        name="skip-rule",
        dest="skip_rules",
        group=TARGET,
        multiple=True,
        metavar="RULE",
        help="Switch a contract rule off for this run (repeatable); reported as skipped, with the reason.",
    ),
    Option(
        name="api-key-env",
        dest="api_key_env",
        group=TARGET,
        metavar="VAR",
        help=f"Name of the environment variable holding the API key (default {DEFAULT_KEY_ENV}; "
        "never the key itself).",
    ),
    Option(
        name="second-api-key-env",
        dest="second_api_key_env",
        group=TARGET,
        metavar="VAR",
        help=f"Name of the variable holding a second company's key (default {DEFAULT_SECOND_KEY_ENV}).",
    ),
    Option(
        name="reports-dir",
        dest="reports_dir",
        group=REPORTS,
        default=str(DEFAULT_REPORTS_DIR),
        metavar="DIR",
        help="Where reports are written.",
    ),
    Option(
        name="allow-production",
        dest="allow_production",
        group=SAFETY,
        type=None,
        default=False,
        help="Allow sending messages or load to a target whose kind is production.",
    ),
)

BY_NAME = {option.name: option for option in SHARED}
TARGET_OPTIONS = tuple(option for option in SHARED if option.group == TARGET)


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

    def as_args(self, *, prefix: str = "--") -> list[str]:
        """The same flags as a command line (`prefix="--gatewatch-"` for the plugins)."""
        args: list[str] = []
        for option in TARGET_OPTIONS:
            value = getattr(self, option.dest)
            values = value if option.multiple else ([] if value is None else [value])
            for item in values:
                args += [prefix + option.name, str(item)]
        return args
