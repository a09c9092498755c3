"""Strategies from the schemas: valid values pass the contract, violations break it at its bounds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from gatewatch.contract import Contract, resolve_contract
from gatewatch.contract.strategies import from_schema, violations

DIALECTS = [resolve_contract("vendor"), resolve_contract("strict")]


@pytest.mark.parametrize("contract", DIALECTS, ids=lambda c: c.dialect)
def test_valid_sends_pass_and_violations_fail(contract: Contract) -> None:
    schema = contract.schema_file("send_request")

    @settings(max_examples=60, database=None, deadline=None)
    @given(body=from_schema(contract, schema), bad=violations(contract, schema))
    def check(body: dict[str, object], bad: object) -> None:
        assert contract.schema_errors(schema, body) == []
        assert contract.schema_errors(schema, bad) != []

    check()


@pytest.mark.parametrize("contract", DIALECTS, ids=lambda c: c.dialect)
def test_violations_reach_the_schemas_own_bounds(contract: Contract) -> None:
    schema = contract.schema_file("send_request")
    destination, text = contract.send.destination, contract.send.text
    limit = contract.schemas[schema]["properties"][text]["maxLength"]
    seen: list[object] = []

    @settings(max_examples=400, database=None, deadline=None)
    @given(bad=violations(contract, schema))
    def collect(bad: object) -> None:
        seen.append(bad)

    collect()
    bodies = [b for b in seen if isinstance(b, dict)]
    assert any(destination not in b for b in bodies) and any(text not in b for b in bodies)
    assert any(isinstance(b.get(text), str) and len(b[text]) == limit + 1 for b in bodies)
    assert any(isinstance(b.get(destination), str) and b[destination].endswith("\n") for b in bodies)
    assert any(not isinstance(b, dict) for b in seen)


def test_generated_destinations_are_ecma_valid() -> None:
    contract = DIALECTS[0]
    node = contract.schemas[contract.schema_file("send_request")]["properties"][contract.send.destination]

    @settings(max_examples=100, database=None, deadline=None)
    @given(value=from_schema(contract, node))
    def check(value: str) -> None:
        assert not value.endswith("\n") and value[1:].isascii()

    check()
