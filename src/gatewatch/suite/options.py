"""The suite's pytest options, one definition each, and the value object they make.

Each mirrors a `gatewatch contract` flag of the same name (the CLI passes its flags on
unchanged), so `pytest tests/contract --target staging --rate-limit production` and
`gatewatch contract --target staging --rate-limit production` run the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from gatewatch.config import Run
from gatewatch.options import PLUGIN_PREFIX, SHARED, TARGET_OPTIONS, TargetOptions
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
    """The suite's options of one pytest run, as given: the target flags, the profile, the opt-in."""

    target: TargetOptions
    profile: str
    allow_production: bool

    @classmethod
    def from_config(cls, config: pytest.Config) -> SuiteOptions:
        """Read the options off pytest's config, the target flags through the shared table."""
        values = {option.dest: config.getoption(DESTS[option.dest]) for option in TARGET_OPTIONS}
        values["config_file"] = Path(values["config_file"]) if values["config_file"] else None
        values["skip_rules"] = tuple(values["skip_rules"] or ())
        return cls(
            target=TargetOptions(**values),
            profile=config.getoption("gw_profile"),
            allow_production=bool(config.getoption("gw_allow_production")),
        )

    def resolve(self) -> Run:
        """The run's target and contract (ConfigError when the options do not select one)."""
        return self.target.resolve()

    def replay_args(self) -> tuple[str, ...]:
        """The flags a replay line repeats besides the target and the seed (said apart)."""
        return tuple(replace(self.target, target_name=None, base_url=None).as_args())
