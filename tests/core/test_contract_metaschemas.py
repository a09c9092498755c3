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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gatewatch.contract import load_contract
from gatewatch.contract.loader import packaged_contracts_dir
from gatewatch.errors import ContractError

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
