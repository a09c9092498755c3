"""Targets files, flags and secrets: validated at the edge, errors name file and key."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest

from gatewatch.contract import default_contract
from gatewatch.core.config import (
    Target,
    default_recipients,
    load_target,
    load_targets,
    read_keys,
    resolve_run,
    resolve_target,
)
from gatewatch.core.errors import ConfigError, ProductionRefused
from gatewatch.core.secrets import Secret, read_secret, redact

CONTRACT = default_contract()

GOOD = """
[targets.local]
kind = "local"

[targets.staging]
kind = "staging"
base_url = "https://staging.example.test/api/"
channels = ["SMS", "RCS"]
timeouts = { connect_s = 2, read_s = 5 }
deadlines_s = { SMS = 30, default = 120 }
api_key_env = "STAGING_KEY"

[targets.staging.recipients]
delivered = "+393400000001"
error = "+393400000002"

[targets.production]
kind = "production"
base_url = "https://gw.example.test/api"
known_ids = [{ id = "abc", channel = "SMS" }]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gatewatch.toml"
    path.write_text(text)
    return path


def test_a_good_file_gives_typed_targets(tmp_path: Path) -> None:
    targets = load_targets(write(tmp_path, GOOD), CONTRACT)
    staging = targets["staging"]
    assert staging.base_url == "https://staging.example.test/api"
    assert staging.channels == ("SMS", "RCS")
    assert staging.timeouts.as_tuple() == (2.0, 5.0)
    assert staging.deadline_for("SMS") == 30 and staging.deadline_for("RCS") == 120
    assert staging.recipients == {"delivered": "+393400000001", "error": "+393400000002"}
    assert targets["local"].embedded and targets["local"].recipients == default_recipients(CONTRACT)
    production = targets["production"]
    assert production.is_production and production.recipients == {}
    assert production.known_ids[0].id == "abc"


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("[targets.x]\nkind = 'moon'\n", "targets.x.kind", "expected one of"),
        ("[targets.x]\nkind = 'staging'\n", "targets.x.base_url", "required"),
        ("[targets.x]\nkind = 'local'\nbase_url = 'ftp://h'\n", "targets.x.base_url", "http(s) URL"),
        (
            "[targets.x]\nkind = 'local'\nchannels = ['sms']\n",
            "targets.x.channels",
            "expected a non-empty list",
        ),
        (
            "[targets.x]\nkind = 'local'\nrecipients = { lost = '+1' }\n",
            "targets.x.recipients",
            "unknown outcomes",
        ),
        ("[targets.x]\nkind = 'local'\ntimeouts = { read_s = -1 }\n", "targets.x.timeouts", "positive"),
        ("[targets.x]\nkind = 'local'\nflavour = 1\n", "targets.x", "unknown keys"),
        (
            "[targets.x]\nkind = 'local'\nknown_ids = [{ id = 'a', channel = 'FAX' }]\n",
            "targets.x.known_ids[0]",
            "expected",
        ),
        ("targets = 3\n", "targets", "expected a [targets.NAME] table"),
        ("[targets.x\n", "", "not valid TOML"),
    ],
)
def test_a_bad_file_names_the_file_and_the_key(tmp_path: Path, text: str, key: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_targets(path, CONTRACT)
    message = str(caught.value)
    assert str(path) in message and key in message and expected in message
    assert caught.value.exit_code == 2


def test_no_target_is_the_embedded_simulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GATEWATCH_CONFIG", raising=False)
    target = resolve_target(contract=CONTRACT)
    assert target.embedded and target.kind == "local"


def test_base_url_overrides_and_keeps_the_kind(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    target = resolve_target(config_file=path, target_name="production", base_url="http://127.0.0.1:9/api")
    assert target.base_url == "http://127.0.0.1:9/api" and target.is_production
    with pytest.raises(ProductionRefused, match="--allow-production"):
        target.require_traffic_allowed(False, "send messages")
    target.require_traffic_allowed(True, "send messages")


def test_a_remote_base_url_without_a_file_is_not_local() -> None:
    target = resolve_target(base_url="https://gw.example.test/api", contract=CONTRACT)
    assert target.kind == "staging"
    with pytest.raises(ProductionRefused, match=r"127\.0\.0\.1"):
        target.require_loopback("load tests")


def test_an_unknown_target_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"no target 'nope'; the file has \['local', 'production', 'staging'\]"
    ):
        resolve_target(config_file=write(tmp_path, GOOD), target_name="nope")


def test_keys_come_from_the_environment_or_a_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "key"
    secret_file.write_text("from-file-key\n")
    env = {"STAGING_KEY": "from-env-key", "GATEWATCH_SECOND_API_KEY_FILE": str(secret_file)}
    target = load_targets(write(tmp_path, GOOD), CONTRACT)["staging"]
    keys = read_keys(target, env)
    assert keys.primary == Secret("from-env-key") and keys.second == Secret("from-file-key")
    assert read_keys(target, {}).primary is None


def test_the_embedded_simulator_has_default_keys() -> None:
    keys = read_keys(resolve_target(contract=CONTRACT), {})
    assert keys.primary is not None and keys.second is not None


def test_a_missing_secrets_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="GATEWATCH_API_KEY_FILE"):
        read_secret("GATEWATCH_API_KEY", {"GATEWATCH_API_KEY_FILE": str(tmp_path / "missing")})


def test_secrets_never_show_and_redact_scrubs_bearer_tokens() -> None:
    secret = Secret("s3cr3t-value")
    assert "s3cr3t" not in repr(secret) + str(secret) + f"{secret}"
    text = "curl -H 'Authorization: Bearer s3cr3t-value' ?k=s3cr3t-value and Bearer other-token"
    assert redact(text, [secret]) == "curl -H 'Authorization: Bearer ***' ?k=*** and Bearer ***"


REAL = """
[targets.vendor-production]
kind = "production"
base_url = "https://lora-api.agiletelecom.com/api"

[targets.vendor-trial]
kind = "staging"
base_url = "https://trial.example.test/api"
rate_limit = "trial"
dry_run_sends = true

[targets.behind-a-proxy]
kind = "staging"
base_url = "https://proxy.example.test/api"
auth_header = "X-Key"
auth_scheme = ""
rate_limit = { per_minute = 600, per_second = 20 }

[targets.old-pins]
kind = "staging"
base_url = "https://old.example.test/api"
contract = "strict"
"""


def test_rate_limits_default_to_the_documented_plan_for_remote_targets(tmp_path: Path) -> None:
    targets = load_targets(write(tmp_path, REAL), CONTRACT)
    assert str(targets["vendor-production"].rate_limit) == "1000/min,50/s"
    assert str(targets["vendor-trial"].rate_limit) == "100/min,10/s"
    assert str(targets["behind-a-proxy"].rate_limit) == "600/min,20/s"
    assert resolve_target(contract=CONTRACT).rate_limit.unlimited  # the embedded simulator: none


def test_an_empty_scheme_is_kept_and_dry_runs_are_read(tmp_path: Path) -> None:
    targets = load_targets(write(tmp_path, REAL), CONTRACT)
    assert (targets["behind-a-proxy"].auth_header, targets["behind-a-proxy"].auth_scheme) == ("X-Key", "")
    assert targets["vendor-production"].auth_header is None  # the contract's X-Api-Key
    assert targets["vendor-trial"].dry_run_sends and not targets["vendor-production"].dry_run_sends


def test_a_target_can_pick_its_dialect_and_a_flag_overrides_it(tmp_path: Path) -> None:
    path = write(tmp_path, REAL)
    run = resolve_run(config_file=path, target_name="old-pins")
    assert run.contract.dialect == "strict" and run.target.contract == "strict"
    assert (
        resolve_run(config_file=path, target_name="old-pins", contracts="vendor").contract.dialect == "vendor"
    )
    assert resolve_run(config_file=path, target_name="vendor-trial").contract.dialect == "vendor"


def test_flags_override_the_rate_limit_and_skip_rules(tmp_path: Path) -> None:
    run = resolve_run(
        config_file=write(tmp_path, REAL),
        target_name="vendor-production",
        rate_limit="none",
        skip_rules=("echo_id",),
    )
    assert run.target.rate_limit.unlimited
    assert (
        not run.contract.enabled("echo_id")
        and run.contract.rule("echo_id").reason == "skipped with --skip-rule"
    )


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        (
            "[targets.x]\nkind = 'local'\nrate_limit = 'fast'\n",
            "targets.x.rate_limit",
            "expected none, production",
        ),
        ("[targets.x]\nkind = 'local'\nrate_limit = { per_hour = 3 }\n", "targets.x.rate_limit", "per_hour"),
        ("[targets.x]\nkind = 'local'\nauth = 'oauth'\n", "targets.x.auth", "expected one of"),
        ("[targets.x]\nkind = 'local'\ndry_run_sends = 'yes'\n", "targets.x.dry_run_sends", "true or false"),
        ("[targets.x]\nkind = 'local'\nauth_scheme = 'Bear er'\n", "targets.x.auth_scheme", "scheme"),
    ],
)
def test_bad_rate_limit_and_auth_settings_name_the_key(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_targets(write(tmp_path, text), CONTRACT)
    message = str(caught.value)
    assert key in message and expected in message and "\n" not in message


def test_an_unknown_dialect_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a dialect"):
        resolve_run(contracts="klingon")


def test_the_targets_schema_ships_beside_the_rules_schema_and_is_json_schema() -> None:
    from gatewatch.contract import metaschemas

    schema = json.loads(metaschemas.TARGETS_SCHEMA.read_text())
    assert metaschemas.TARGETS_SCHEMA.parent == metaschemas.RULES_SCHEMA.parent
    metaschemas.check_json_schema(schema, metaschemas.TARGETS_SCHEMA)
    assert set(schema["$defs"]["target"]["properties"]) == {f.name for f in fields(Target)} - {"name"}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "timeouts = { read_s = -1 }",
            "targets.x.timeouts.read_s: expected a positive number (seconds), got -1",
        ),
        (
            "deadlines_s = { SMS = 0 }",
            "targets.x.deadlines_s.SMS: expected a positive number (seconds), got 0",
        ),
        ("retry_delays_s = [1, -1]", "targets.x.retry_delays_s[1]: expected non-negative seconds, got -1"),
        (
            "recipients = { delivered = 3 }",
            "targets.x.recipients.delivered: expected a non-empty string, got 3",
        ),
        ("known_ids = [{ id = 'a' }]", "targets.x.known_ids[0].channel: missing, expected a channel name"),
        ("channels = [1]", "targets.x.channels[0]: expected string, got 1"),
        ("auth = 3", "targets.x.auth: expected one of ['key', 'basic'], got 3"),
        (
            "api_key_env = 1979-05-27",
            "targets.x.api_key_env: expected a non-empty string, got datetime.date(",
        ),
    ],
)
def test_a_bad_nested_value_names_its_own_key(tmp_path: Path, text: str, line: str) -> None:
    path = write(tmp_path, f"[targets.x]\nkind = 'local'\n{text}\n")
    with pytest.raises(ConfigError) as caught:
        load_targets(path, CONTRACT)
    assert str(caught.value).startswith(f"{path}: {line}")


def test_only_the_chosen_target_is_checked(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "\n[targets.future]\nkind = 'local'\nflavour = 'new'\n")
    assert load_target(path, "staging", CONTRACT).api_key_env == "STAGING_KEY"
    with pytest.raises(ConfigError, match=r"targets\.future: unknown keys \['flavour'\]"):
        load_target(path, "future", CONTRACT)
