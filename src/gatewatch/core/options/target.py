"""The options every command that talks to a target shares: the target flags, the reports folder, the opt-in.

Keys never come from a flag's value: only the names of the variables that hold them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gatewatch.core.config import (
    DEFAULT_KEY_ENV,
    DEFAULT_REPORTS_DIR,
    DEFAULT_SECOND_KEY_ENV,
    Run,
    resolve_run,
)
from gatewatch.core.options.declare import (
    ALL_SURFACES,
    REPORTS,
    SAFETY,
    TARGET,
    Option,
    Options,
    Surface,
    ValueKind,
    declared_field,
    embed,
    option,
)

# The Locust plugin takes the base URL as Locust's own --host, and loads with one key.
_NOT_LOCUST = frozenset({Surface.CLI, Surface.PYTEST})

REPORTS_DIR = Option(
    name="reports-dir",
    group=REPORTS,
    kind=ValueKind.DIR,
    default=DEFAULT_REPORTS_DIR,
    metavar="DIR",
    help="Where reports are written.",
    # The load test's processes write into its own folder (--gatewatch-load-dir).
    surfaces=_NOT_LOCUST,
)

ALLOW_PRODUCTION = Option(
    name="allow-production",
    group=SAFETY,
    kind=ValueKind.FLAG,
    default=False,
    env=False,  # a decision per run, not a lingering variable
    help="Allow sending messages or load to a target whose kind is production.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetOptions(Options):
    """The target flags of one command line, as given."""

    SURFACES = ALL_SURFACES

    config_file: Path | None = option(
        name="config",
        group=TARGET,
        kind=ValueKind.FILE,
        metavar="FILE",
        help="Targets file (TOML). Default: $GATEWATCH_CONFIG, else ./gatewatch.toml if present.",
    )
    target_name: str | None = option(
        name="target", group=TARGET, metavar="NAME", help="A target of the targets file."
    )
    base_url: str | None = option(
        name="base-url",
        group=TARGET,
        metavar="URL",
        surfaces=_NOT_LOCUST,
        help="Base URL (everything before /partner-gateway/v1); overrides the target's. "
        "Neither this nor --target: the embedded simulator is started.",
    )
    contracts: str | None = option(
        name="contracts",
        group=TARGET,
        metavar="DIALECT|DIR",
        help="The contract: a dialect (vendor, the default; strict) or a contracts folder. "
        "Default: the target's `contract`, else vendor.",
    )
    rate_limit: str | None = option(
        name="rate-limit",
        group=TARGET,
        metavar="LIMIT",
        help="The target's rate limit per key: none, production, trial or N/min,M/s. Default: the "
        "target's, else the documented production plan (none for the embedded simulator).",
    )
    skip_rules: tuple[str, ...] = option(
        name="skip-rule",
        group=TARGET,
        multiple=True,
        default=(),
        metavar="RULE",
        help="Switch a contract rule off for this run (repeatable); reported as skipped, with the reason.",
    )
    api_key_env: str | None = option(
        name="api-key-env",
        group=TARGET,
        metavar="VAR",
        help=f"Name of the environment variable holding the API key (default {DEFAULT_KEY_ENV}; "
        "never the key itself).",
    )
    second_api_key_env: str | None = option(
        name="second-api-key-env",
        group=TARGET,
        metavar="VAR",
        surfaces=_NOT_LOCUST,
        help=f"Name of the variable holding a second company's key (default {DEFAULT_SECOND_KEY_ENV}).",
    )

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


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetRunOptions(Options):
    """The base of a command that runs against a target: its flags, the reports folder, the opt-in."""

    target: TargetOptions = embed(TargetOptions)
    reports_dir: Path = declared_field(REPORTS_DIR)
    allow_production: bool = declared_field(ALLOW_PRODUCTION)
