"""The contract's validators inline the references to other schema files, and a body is judged once."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from gatewatch.checks import drift
from gatewatch.contract import resolve_contract
from gatewatch.contract.ecma import EcmaValidator, inline_refs

DIALECTS = ("vendor", "strict")


def _refs(node: Any) -> list[str]:
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    if not isinstance(node, dict):
        return []
    own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
    return own + [ref for value in node.values() for ref in _refs(value)]


def _schemas(dialect: str) -> dict[str, Any]:
    return dict(resolve_contract(dialect).schemas)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_no_validator_resolves_another_file_at_validation_time(dialect: str) -> None:
    contract = resolve_contract(dialect)
    schemas = _schemas(dialect)
    assert any(_refs(schema) for schema in schemas.values())  # there are references to inline
    for name in schemas:
        assert _refs(contract.validator(name).schema) == [], name


@pytest.mark.parametrize("dialect", DIALECTS)
def test_an_inlined_validator_finds_the_errors_the_registry_one_finds(dialect: str) -> None:
    contract = resolve_contract(dialect)
    schemas = _schemas(dialect)
    registry: Registry[Any] = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT202012))
        for name, schema in schemas.items()
    )
    bodies: list[Any] = [{}, [], "x", {"channel": "fax", "status": 3}]
    names = contract.fields
    bodies.append({names.id: "", names.channel: "fax", names.status: 7, names.description: 1})
    bodies.append(
        {names.id: "m1", names.channel: contract.channels[0], names.status: "x", names.updated_at: "soon"}
    )
    for name, schema in schemas.items():
        plain = EcmaValidator(schema, registry=registry, format_checker=FormatChecker())
        for body in bodies:
            want = sorted((list(e.absolute_path), e.message) for e in plain.iter_errors(body))
            got = sorted(
                (list(e.absolute_path), e.message) for e in contract.validator(name).iter_errors(body)
            )
            assert got == want, (name, body)


def test_a_recursive_or_local_reference_stays_a_reference() -> None:
    schemas: dict[str, Any] = {
        "tree.json": {"type": "object", "properties": {"child": {"$ref": "tree.json"}}},
        "local.json": {"$defs": {"a": {"type": "string"}}, "$ref": "#/$defs/a"},
        "uses.json": {"properties": {"t": {"$ref": "tree.json"}, "l": {"$ref": "local.json"}}},
    }
    inlined = inline_refs(schemas["uses.json"], schemas, frozenset({"uses.json"}))
    assert _refs(inlined) == ["tree.json", "local.json"]  # tree.json's own child, and local.json
    assert inlined["properties"]["t"]["allOf"][0]["type"] == "object"


def test_a_body_judged_once_is_not_validated_again(monkeypatch: pytest.MonkeyPatch) -> None:
    contract = resolve_contract("vendor")
    schema = "status-body.json"
    judged: list[Any] = []
    real = drift._schema_problems

    def counting(contract: Any, schema: str, body: Any) -> list[str]:
        judged.append(body)
        return real(contract, schema, body)

    monkeypatch.setattr(drift, "_schema_problems", counting)
    body = {contract.fields.channel: "fax", contract.fields.status: 7}
    first = drift.schema_problems(contract, schema, body)
    again = drift.schema_problems(contract, schema, dict(reversed(body.items())))  # the same JSON
    assert first and again == first and len(judged) == 1
    other = drift.schema_problems(contract, schema, {**body, contract.fields.id: ""})
    assert len(judged) == 2 and other != first
    # Another contract (here the strict one) judges the same body afresh.
    drift.schema_problems(resolve_contract("strict"), schema, body)
    assert len(judged) == 3
