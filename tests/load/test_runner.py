"""How `gatewatch load` builds the Locust run: durations, argv without secrets, the safety rules."""

from __future__ import annotations

import itertools
from dataclasses import fields, replace
from pathlib import Path

import pytest

from gatewatch.contract import default_contract
from gatewatch.core.config import local_target
from gatewatch.core.errors import ConfigError, ProductionRefused
from gatewatch.core.options import TargetOptions
from gatewatch.core.options.load import LoadOptions
from gatewatch.loadtest.runner import PACKAGED_LOCUSTFILE, LoadPlan, locust_command, parse_duration
from gatewatch.loadtest.safety import check_load_allowed

CONTRACT = default_contract()


@pytest.mark.parametrize(
    ("text", "seconds"), [("30", 30), ("90s", 90), ("5m", 300), ("1h30m", 5400), ("2.5s", 2.5)]
)
def test_durations_read_like_locusts(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "-5", "5x", "m"])
def test_bad_durations_name_the_flag(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_duration(text)
    assert caught.value.key == "--duration"


def plan(**overrides: object) -> LoadPlan:
    target_fields = {f.name for f in fields(TargetOptions)}
    where = {k: v for k, v in overrides.items() if k in target_fields}
    own = {k: v for k, v in overrides.items() if k not in target_fields}
    options = LoadOptions(
        target=TargetOptions(**where),  # type: ignore[arg-type]
        slo_file=Path("/x/slo.yaml"),
        load_dir="/x/reports/load",
        **own,  # type: ignore[arg-type]
    )
    return LoadPlan(options=options, duration_s=30, locustfile=PACKAGED_LOCUSTFILE)


def test_the_locust_command_carries_the_run_but_never_a_key() -> None:
    argv = locust_command(
        plan(processes=2, arrival_rate=50.0, api_key_env="STAGING_KEY"),
        "http://127.0.0.1:1/api",
        "r1",
        master_port=5557,
    )
    assert argv[1:3] == ["-m", "locust"]
    for expected in (
        ["--headless"],
        ["--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", "5557"],
        ["--expect-workers", "2"],
        ["--gatewatch-arrival-rate", "50"],
        ["--run-time", "30s"],
    ):
        assert any(argv[i : i + len(expected)] == expected for i in range(len(argv))), expected
    assert argv[argv.index("--gatewatch-api-key-env") :][:2] == ["--gatewatch-api-key-env", "STAGING_KEY"]
    assert "--csv" in argv and "--html" in argv
    assert not any("key-a" in part for part in argv)


def test_users_default_by_model() -> None:
    assert plan().user_count == 10
    assert plan(arrival_rate=10.0).user_count == 1
    assert plan(arrival_rate=10.0, processes=3).user_count == 3
    assert plan(users=4).user_count == 4


def test_the_packaged_locustfile_exists_beside_the_runner() -> None:
    assert PACKAGED_LOCUSTFILE.is_file()


def test_remote_hosts_need_allow_remote_even_with_allow_production() -> None:
    remote = local_target(CONTRACT, "http://10.0.0.7:8080/api")
    with pytest.raises(ProductionRefused, match="--allow-remote"):
        check_load_allowed(remote, allow_production=True, allow_remote=False)
    check_load_allowed(remote, allow_production=False, allow_remote=True)


def test_production_needs_allow_production_even_on_loopback() -> None:
    production = replace(local_target(CONTRACT, "http://127.0.0.1:8080/api"), kind="production")
    with pytest.raises(ProductionRefused, match="--allow-production"):
        check_load_allowed(production, allow_production=False, allow_remote=True)
    check_load_allowed(production, allow_production=True, allow_remote=False)


def test_every_locust_process_gets_the_contract_its_skipped_rules_and_the_limit() -> None:
    argv = locust_command(
        plan(contracts="strict", skip_rules=("echo_id", "error_body"), rate_limit="20/s", ramp=True),
        "http://127.0.0.1:1/api",
        "r1",
    )
    pairs = dict(itertools.pairwise(argv))
    assert pairs["--gatewatch-contracts"] == "strict"
    assert pairs["--gatewatch-skip-rule"] == "echo_id,error_body"
    assert pairs["--gatewatch-rate-limit"] == "20/s"
    assert "--gatewatch-ramp-past-limit" in argv
    assert "--gatewatch-skip-rule" not in locust_command(plan(), "http://127.0.0.1:1/api", "r1")
    assert plan(ramp=True).user_count == 1  # the ramp is an open model: one dispatcher per process


def test_a_shipped_dialect_travels_by_name_a_copy_by_its_folder(tmp_path: Path) -> None:
    import shutil

    from gatewatch.contract import load_contract, resolve_contract
    from gatewatch.loadtest.runner import contract_choice

    assert contract_choice(resolve_contract("strict")) == "strict"
    assert contract_choice(resolve_contract(None)) == "vendor"
    copy = tmp_path / "mine"
    shutil.copytree(resolve_contract(None).root, copy, ignore=shutil.ignore_patterns("dialects"))
    assert contract_choice(load_contract(copy)) == str(copy.resolve())
