"""openapi.yaml says what rules.yaml says: the batch ids it calls valid are the ones the rules accept.

A validation proxy or a schema-driven fuzzer (Schemathesis' positive mode) trusts the
OpenAPI document; where it allows `ids=x,` the rules answer 400 and the tool reports a
conforming gateway as broken. tests/simulator/test_openapi_positive.py sends generated
requests; this file pins the cases a generator may take long to hit.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from gatewatch.contract import Contract, load_contract, resolve_contract
from gatewatch.contract.shapes import OPERATION_KEY
from gatewatch.core.errors import ContractError

DIALECTS = ("vendor", "strict")


def _ids_parameter(contract: Contract) -> dict[str, Any]:
    op = contract.openapi["paths"][contract.batch_path]["get"]
    assert op[OPERATION_KEY] == "batch"
    return next(p for p in op["parameters"] if p.get("name") == contract.batch.ids_param)


def _schema_valid(contract: Contract, raw: str) -> bool:
    """Whether the query value `raw` is valid for the ids parameter, deserialized as OpenAPI says."""
    param = _ids_parameter(contract)
    schema = param["schema"]
    value: object = raw
    if schema.get("type") == "array":
        assert param.get("style", "form") == "form" and param.get("explode") is False
        value = raw.split(contract.batch.separator) if raw else []
    return Draft202012Validator(schema).is_valid(value)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_ids_parameter_refuses_what_the_rules_refuse(dialect: str) -> None:
    contract = resolve_contract(dialect)
    sep = contract.batch.separator
    assert _schema_valid(contract, "GW-1")
    assert _schema_valid(contract, sep.join(["GW-1", "ünïcode", "a%2Fb"]))
    for refused in ("", "x" + sep, sep + "x", f"a{sep}{sep}b", "a b", "a\tb"):
        assert not _schema_valid(contract, refused), repr(refused)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_ids_parameter_bounds_the_count_where_the_rules_do(dialect: str) -> None:
    contract = resolve_contract(dialect)
    most = contract.batch.max_ids
    sep = contract.batch.separator
    assert _schema_valid(contract, sep.join(f"id{n}" for n in range(most)))
    answered = contract.codes.ok in contract.batch.over_limit_codes
    assert _schema_valid(contract, sep.join(f"id{n}" for n in range(most + 1))) is answered


def test_a_max_items_that_disagrees_with_the_rules_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "strict"
    shutil.copytree(resolve_contract("strict").root, root)
    path = root / "openapi.yaml"
    path.write_text(path.read_text().replace("maxItems: 100", "maxItems: 50"))
    with pytest.raises(ContractError, match=r"maxItems is 50: expected limits.batch_max_ids \(100\)"):
        load_contract(root)
