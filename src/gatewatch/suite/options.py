"""The suite's pytest options, one definition each, and the value object they make.

Each mirrors a `gatewatch contract` flag of the same name (the CLI passes its flags on
unchanged), so `pytest tests/contract --target staging --rate-limit production` and
`gatewatch contract --target staging --rate-limit production` run the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from gatewatch.config import Run
from gatewatch.options import PLUGIN_PREFIX, SHARED, TargetOptions
from gatewatch.suite.profiles import PROFILES

# The pytest destination of each shared option (gatewatch.options), kept short for getoption.
DESTS = {
    "config_file": "gw_config",
    "target_name": "gw_target",
    "base_url": "gw_base_url",
    "contracts": "gw_contracts",
    "rate_limit": "gw_rate_limit",
    "skip_rules": "gw_skip_rules",
    "api_key_env": "gw_api_key_env",
    "second_api_key_env": "gw_second_api_key_env",
    "reports_dir": "gw_reports_dir",
    "allow_production": "gw_allow_production",
}


def add_options(parser: pytest.Parser) -> None:
    """Register the suite's options, all `--gatewatch-` prefixed: pytest runs host other plugins."""
    group = parser.getgroup("gatewatch", "gatewatch contract suite")
    for option in SHARED:
        dest = DESTS[option.dest]
        if option.type is None:
            group.addoption(
                option.plugin_flag, dest=dest, action="store_true", default=False, help=option.help
            )
        elif option.multiple:
            group.addoption(
                option.plugin_flag,
                dest=dest,
                action="append",
                default=[],
                metavar=option.metavar,
                help=option.help,
            )
        else:
            group.addoption(
                option.plugin_flag,
                dest=dest,
                default=option.default,
                metavar=option.metavar,
                help=option.help,
            )
    group.addoption(
        PLUGIN_PREFIX + "profile",
        dest="gw_profile",
        default="ci",
        choices=sorted(PROFILES),
        help="ci: fast, for every deploy; deep: many more examples, for nightly runs.",
    )
    group.addoption(
        PLUGIN_PREFIX + "seed", dest="gw_seed", type=int, default=None, help="Replay a run's seed."
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SuiteOptions:
    """The suite's options of one pytest run, as given."""

    config_file: Path | None
    target_name: str | None
    base_url: str | None
    contracts: str | None
    rate_limit: str | None
    skip_rules: tuple[str, ...]
    api_key_env: str | None
    second_api_key_env: str | None
    profile: str
    allow_production: bool

    @classmethod
    def from_config(cls, config: pytest.Config) -> SuiteOptions:
        """Read the options off pytest's config."""
        config_file = config.getoption("gw_config")
        return cls(
            config_file=Path(config_file) if config_file else None,
            target_name=config.getoption("gw_target"),
            base_url=config.getoption("gw_base_url"),
            contracts=config.getoption("gw_contracts"),
            rate_limit=config.getoption("gw_rate_limit"),
            skip_rules=tuple(config.getoption("gw_skip_rules") or ()),
            api_key_env=config.getoption("gw_api_key_env"),
            second_api_key_env=config.getoption("gw_second_api_key_env"),
            profile=config.getoption("gw_profile"),
            allow_production=bool(config.getoption("gw_allow_production")),
        )

    def target(self) -> TargetOptions:
        """The target flags among these (the same value the CLI commands get)."""
        return TargetOptions(
            config_file=self.config_file,
            target_name=self.target_name,
            base_url=self.base_url,
            contracts=self.contracts,
            rate_limit=self.rate_limit,
            skip_rules=self.skip_rules,
            api_key_env=self.api_key_env,
            second_api_key_env=self.second_api_key_env,
        )

    def resolve(self) -> Run:
        """The run's target and contract (ConfigError when the options do not select one)."""
        return self.target().resolve()

    def replay_args(self) -> tuple[str, ...]:
        """The flags a replay line repeats besides the target and the seed."""
        args: list[str] = []
        if self.config_file is not None:
            args += ["--config", str(self.config_file)]
        if self.contracts:
            args += ["--contracts", self.contracts]
        if self.rate_limit:
            args += ["--rate-limit", self.rate_limit]
        for rule in self.skip_rules:
            args += ["--skip-rule", rule]
        if self.api_key_env:
            args += ["--api-key-env", self.api_key_env]
        if self.second_api_key_env:
            args += ["--second-api-key-env", self.second_api_key_env]
        return tuple(args)
