"""A typo in any contract file is exit 2 with one line naming the file, the path in it and what was expected.

Every file is checked against its metaschema at load: openapi.yaml against OpenAPI 3.1
(its Schema Objects against JSON Schema 2020-12), schemas/*.json against JSON Schema
2020-12, rules.yaml against gatewatch/contract/rules.schema.json.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from gatewatch.contract import load_contract
from gatewatch.contract.loader import packaged_contracts_dir
from gatewatch.contract.metaschemas import RULES_SCHEMA, TARGETS_SCHEMA
from gatewatch.core.errors import ContractError

CLI = [sys.executable, "-c", "from gatewatch.cli import main; main()"]
LOOKUP = "/partner-gateway/v1/messages/status/{customerMessageId}"


def _json(name: str, change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        path = root / "schemas" / name
        document = json.loads(path.read_text())
        change(document)
        path.write_text(json.dumps(document))

    return edit


def _yaml(name: str, change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        path = root / name
        document = yaml.safe_load(path.read_text())
        change(document)
        path.write_text(yaml.safe_dump(document, sort_keys=False))

    return edit


def _set(*keys: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: Any) -> None:
        for key in keys[:-1]:
            document = document[key]
        document[keys[-1]] = value

    return change


TYPOS = {
    "schema type": (
        _json("status-body.json", _set("properties", "deliveryStato", "type", value="strnig")),
        "schemas/status-body.json",
        "properties.deliveryStato.type: 'strnig' is not valid under any of the given schemas "
        "(expected one of array, boolean, integer, null, number, object, string)",
    ),
    "openapi schema type": (
        _yaml(
            "openapi.yaml", _set("paths", LOOKUP, "get", "parameters", 0, "schema", "type", value="strnig")
        ),
        "openapi.yaml",
        f"paths.{LOOKUP}.get.parameters[0].schema.type: 'strnig' is not valid",
    ),
    "openapi key": (
        _yaml("openapi.yaml", _set("paths", LOOKUP, "get", "responsez", value={})),
        "openapi.yaml",
        f"paths.{LOOKUP}.get: ",
    ),
    "rules key": (
        _yaml("rules.yaml", _set("limits", "batch_max_idz", value=100)),
        "rules.yaml",
        "limits: Additional properties are not allowed ('batch_max_idz' was unexpected)",
    ),
    "rules type": (
        _yaml("rules.yaml", _set("updated_at", "utc_only", value="yes")),
        "rules.yaml",
        "updated_at.utc_only: 'yes' is not of type 'boolean'",
    ),
}


@pytest.fixture
def contracts(tmp_path: Path) -> Path:
    root = tmp_path / "contracts"
    shutil.copytree(packaged_contracts_dir(), root, ignore=shutil.ignore_patterns("dialects"))
    return root


@pytest.mark.parametrize("typo", TYPOS)
def test_a_typo_is_refused_at_load_naming_file_and_path(contracts: Path, typo: str) -> None:
    edit, file, expected = TYPOS[typo]
    edit(contracts)
    with pytest.raises(ContractError) as caught:
        load_contract(contracts)
    assert str(caught.value).startswith(str(contracts / file) + ": ")
    assert expected in str(caught.value)


@pytest.mark.parametrize("typo", ["schema type", "openapi schema type", "rules key"])
def test_a_typo_is_exit_2_with_one_line(contracts: Path, typo: str) -> None:
    edit, file, expected = TYPOS[typo]
    edit(contracts)
    done = subprocess.run(
        [*CLI, "contract", "--contracts", str(contracts)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert file in lines[0] and expected in lines[0]
    assert "Traceback" not in done.stderr


def test_the_shipped_dialects_pass_their_metaschemas() -> None:
    for root in (packaged_contracts_dir(), packaged_contracts_dir() / "dialects" / "strict"):
        assert load_contract(root).channels


def _del(*keys: str) -> Callable[[dict[str, Any]], None]:
    def change(document: Any) -> None:
        for key in keys[:-1]:
            document = document[key]
        del document[keys[-1]]

    return change


# What the loader checked by hand and rules.schema.json now says: each is still one line
# naming rules.yaml and the key.
RULES_REFUSED = {
    "a code missing": (_del("codes", "forbidden"), "codes: 'forbidden' is a required property"),
    "an unknown code": (_set("codes", "teapot", value=418), "codes: Additional properties"),
    "a code out of range": (_set("codes", "ok", value=2000), "codes.ok: 2000 is greater than the maximum"),
    "an unknown role": (
        _set("error_precedence", "order", value=["bad_request", "teapot"]),
        "error_precedence.order[1]: 'teapot' is not one of [",
    ),
    "a repeated role": (
        _set("error_precedence", "order", value=["bad_request", "bad_request"]),
        "error_precedence.order: ['bad_request', 'bad_request'] has non-unique elements",
    ),
    "a vendor rule without its page": (
        _del("rules", "error_body", "source"),
        "rules.error_body: a vendor rule names its page: source",
    ),
    "a blank reason": (
        _set("rules", "echo_id", value={"provenance": "pinned", "enabled": False, "reason": " "}),
        "rules.echo_id.reason: ' ' does not match",
    ),
    "rate limits on without headers": (
        _del("rate_limits", "headers"),
        "rate_limits: rate limits that are on say their plans, headers and harness",
    ),
    "a header role missing": (
        _del("rate_limits", "headers", "reset"),
        "rate_limits.headers: 'reset' is a required property",
    ),
    "an unknown required header": (
        _set("rate_limits", "required_headers", value=["limit", "quota"]),
        "rate_limits.required_headers[1]: 'quota' is not one of",
    ),
    "a pace over the limit": (
        _set("rate_limits", "harness", "pace_fraction", value=1.5),
        "rate_limits.harness.pace_fraction: 1.5 is greater than the maximum of 1",
    ),
    "a fractional plan": (
        _set("rate_limits", "plans", "trial", "per_second", value=0.5),
        "rate_limits.plans.trial.per_second: 0.5 is not of type 'integer', 'null'",
    ),
    "an alias of one name": (
        _set("names", "aliases", 0, "names", value=["deliveryStato"]),
        "names.aliases[0].names: ['deliveryStato'] is too short",
    ),
    "an empty recipient path": (
        _set("test_recipients", "outcomes", "delivered", "path", value=[]),
        "test_recipients.outcomes.delivered.path: [] should be non-empty",
    ),
}


@pytest.mark.parametrize("case", RULES_REFUSED)
def test_rules_schema_json_refuses_with_the_key(contracts: Path, case: str) -> None:
    change, expected = RULES_REFUSED[case]
    _yaml("rules.yaml", change)(contracts)
    with pytest.raises(ContractError) as caught:
        load_contract(contracts)
    assert str(caught.value).startswith(f"{contracts / 'rules.yaml'}: {expected}"), str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_shipped_schemas_as_they_stand_accept_the_shipped_files() -> None:
    """An editor pointed at the JSON files (whose enums the loader fills in) sees no false errors."""
    rules_schema, targets_schema = (json.loads(p.read_text()) for p in (RULES_SCHEMA, TARGETS_SCHEMA))
    for schema in (rules_schema, targets_schema):
        Draft202012Validator.check_schema(schema)
    Draft202012Validator(rules_schema).validate(
        yaml.safe_load((packaged_contracts_dir() / "rules.yaml").read_text())
    )
    example = Path(__file__).resolve().parents[2] / "synthetic" / "gatewatch.toml.example"
    Draft202012Validator(targets_schema).validate(tomllib.loads(example.read_text()))
