"""The plugin's options: one definition each (flag, env var, config key), checked values."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from gatewatch.core.errors import ConfigError
from gatewatch.loadtest.settings import OPTIONS, LoadSettings


def namespace(**values: object) -> SimpleNamespace:
    defaults = {o.dest: o.default for o in OPTIONS}
    return SimpleNamespace(**{**defaults, **values})


def test_every_option_has_a_flag_and_all_but_the_safety_switches_an_env_var() -> None:
    assert len({o.flag for o in OPTIONS}) == len(OPTIONS)
    assert all(o.flag.startswith("--gatewatch-") for o in OPTIONS)
    no_env = {o.name for o in OPTIONS if o.env_var is None}
    # Opting into production or remote load is a decision per run, not a lingering variable.
    assert no_env == {"allow-production", "allow-remote"}


def test_defaults_describe_a_closed_model_run() -> None:
    settings = LoadSettings.from_namespace(namespace())
    assert not settings.open_model
    assert settings.mix.active == ("known", "other_channel", "unknown", "batch")
    assert settings.slo_file.endswith("load/slo.yaml")


@pytest.mark.parametrize(
    ("dest", "value", "flag"),
    [
        ("gatewatch_validate_sample", 1.5, "--gatewatch-validate-sample"),
        ("gatewatch_known_ids", 0, "--gatewatch-known-ids"),
        ("gatewatch_arrival_rate", -1, "--gatewatch-arrival-rate"),
        ("gatewatch_max_lag_s", "soon", "--gatewatch-max-lag-s"),
    ],
)
def test_out_of_range_values_name_the_flag(dest: str, value: object, flag: str) -> None:
    with pytest.raises(ConfigError) as caught:
        LoadSettings.from_namespace(namespace(**{dest: value}))
    assert caught.value.key == flag


def test_the_ramp_sets_the_rate_itself() -> None:
    with pytest.raises(ConfigError) as caught:
        LoadSettings.from_namespace(namespace(gatewatch_ramp_past_limit=True, gatewatch_arrival_rate=10))
    assert caught.value.key == "--gatewatch-ramp-past-limit"
    settings = LoadSettings.from_namespace(namespace(gatewatch_ramp_past_limit=True))
    assert settings.ramp and settings.open_model


def test_skipped_rules_are_a_comma_separated_list() -> None:
    settings = LoadSettings.from_namespace(namespace(gatewatch_skip_rule=" echo_id, error_body ,"))
    assert settings.skip_rules == ("echo_id", "error_body")
