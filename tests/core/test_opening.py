"""One way to open a run: the key choice, the embedded simulator's flags, the shared pacer."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import pytest

from gatewatch.contract import default_contract, resolve_contract
from gatewatch.core.config import SIMULATOR_KEYS, Run, local_target
from gatewatch.core.errors import ConfigError
from gatewatch.core.opening import SIM_KEYS_ENV, open_run, run_keys, shared_pacer, simulator_args
from gatewatch.core.ratelimit import DEFAULT_PACE_FRACTION, RateLimit
from gatewatch.core.secrets import Secret

CONTRACT = default_contract()
EMBEDDED = local_target(CONTRACT)
REAL = local_target(CONTRACT, "http://127.0.0.1:9/api")


def test_the_embedded_simulator_gets_its_own_keys_whatever_the_environment_holds(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("from-a-file\n")
    for environ in (
        {},
        {"GATEWATCH_API_KEY": "x", "GATEWATCH_SECOND_API_KEY": "y"},
        {"GATEWATCH_API_KEY_FILE": str(key_file)},
        {"GATEWATCH_API_KEY_FILE": str(tmp_path / "missing")},  # not even read
    ):
        keys = run_keys(EMBEDDED, environ)
        assert (keys.primary, keys.second) == tuple(Secret(key) for key in SIMULATOR_KEYS)


def test_a_real_target_gets_the_users_keys_from_the_environment_or_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("from-a-file\n")
    assert run_keys(REAL, {"GATEWATCH_API_KEY": "x"}).primary == Secret("x")
    keys = run_keys(REAL, {"GATEWATCH_API_KEY_FILE": str(key_file)})
    assert keys.primary == Secret("from-a-file") and keys.second is None


def test_a_real_target_without_a_key_is_one_error_naming_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        run_keys(replace(REAL, api_key_env="MY_KEY"), {})
    assert str(caught.value) == "no API key: set $MY_KEY (or $MY_KEY_FILE to a file holding it)"


def test_the_embedded_simulator_enforces_the_runs_limit_or_refuses_a_dialect_without_limits() -> None:
    # No limit: none enforced; local webhook receivers (plain http on 127.0.0.1) may register.
    assert simulator_args(EMBEDDED, CONTRACT) == ["--allow-http-webhooks", "--keys-env", SIM_KEYS_ENV]
    limited = replace(EMBEDDED, rate_limit=RateLimit(per_second=20))
    # The flags in the order SimulateOptions declares them: the limit, then http webhooks, then the keys.
    assert simulator_args(limited, CONTRACT) == [
        "--rate-limit",
        "20/s",
        "--allow-http-webhooks",
        "--keys-env",
        SIM_KEYS_ENV,
    ]
    with pytest.raises(ConfigError, match="strict dialect has no rate limits") as caught:
        simulator_args(limited, resolve_contract("strict"))
    assert caught.value.key == "--rate-limit"


def test_the_pacer_uses_the_contracts_fraction_else_the_one_default() -> None:
    limited = replace(REAL, rate_limit=RateLimit(per_second=20))
    assert shared_pacer(limited, CONTRACT).fraction == CONTRACT.rate_limits.pace_fraction
    assert shared_pacer(limited, resolve_contract("strict")).fraction == DEFAULT_PACE_FRACTION


def test_every_run_on_one_target_shares_its_pacer_and_each_embedded_simulator_has_its_own() -> None:
    # `gatewatch contract` preflights, then opens the suite's session: the gateway counts
    # both against the key, so the session's pacer must know what the preflight sent.
    limited = replace(REAL, rate_limit=RateLimit(per_minute=100, per_second=10))
    assert shared_pacer(limited, CONTRACT) is shared_pacer(limited, CONTRACT)
    other = replace(limited, base_url="http://127.0.0.1:10/api")
    assert shared_pacer(other, CONTRACT) is not shared_pacer(limited, CONTRACT)
    embedded = replace(EMBEDDED, rate_limit=limited.rate_limit)
    assert shared_pacer(embedded, CONTRACT) is not shared_pacer(embedded, CONTRACT)


def test_simulator_arguments_need_the_embedded_simulator() -> None:
    with ExitStack() as stack, pytest.raises(ConfigError, match="only the embedded simulator"):
        open_run(Run(target=REAL, contract=CONTRACT), stack, extra_simulator_args=["--step-s=1"], environ={})
