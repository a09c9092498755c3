"""Every request openapi.yaml calls valid is one the simulator accepts, in both dialects.

Schemathesis generates schema-valid requests (its positive mode) for each operation of
the dialect's OpenAPI document and sends them, with a valid key, to a conforming
simulator. An answer other than the operation's success, or the lookup's "not found"
(a valid id that does not exist), means the document allows what the rules refuse:
the webhook registration is stateful, so each of its cases is sent in the state that
lets it succeed (none registered before a POST, one before the others).
the OpenAPI document must say what rules.yaml says. Seeded and derandomized, so every
run sends the same requests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case

from gatewatch.contract import Contract, resolve_contract
from gatewatch.contract.operations import WEBHOOK_OPERATIONS, Operation
from gatewatch.contract.shapes import OPERATION_KEY
from gatewatch.simulator import Simulator

from .client import KEY_A, TIMEOUT, Api
from .conftest import DIALECTS

# Per operation: against the old ids schema (a bare string) this run found refusals in
# both dialects at 300 examples (at 100 in neither, with this seed); about 15 s a dialect.
EXAMPLES = 300


def _accepted(contract: Contract, kind: str) -> frozenset[int]:
    success = contract.send.success_codes if kind == "send" else frozenset({contract.codes.ok})
    return success | {contract.codes.not_found} if kind == "lookup" else success


def _accepted_for(contract: Contract, kind: str) -> frozenset[int]:
    if kind == Operation.WEBHOOK_CREATE:
        return frozenset({contract.codes.created})
    if kind == Operation.WEBHOOK_DELETE:
        return frozenset({contract.codes.no_content})
    return _accepted(contract, kind)


def _webhook_state(api: Api, contract: Contract, auth: dict[str, str], kind: str) -> Callable[[], None]:
    """Sets the state a `kind` case succeeds in: no webhook before a POST, one before the others."""
    url = api.url(contract.webhooks.registration.path)
    body = {contract.webhooks.registration.callback_url: "https://receiver.example/hooks"}

    def prepare() -> None:
        api.request("DELETE", url, headers=auth)
        if kind != Operation.WEBHOOK_CREATE:
            assert api.request("POST", url, headers=auth, json=body).status_code == contract.codes.created

    return prepare


def _refusals(
    operation: Any,
    base_url: str,
    auth: dict[str, str],
    accepted: frozenset[int],
    prepare: Callable[[], None] | None = None,
) -> list[str]:
    refused: list[str] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Case) -> None:
        if prepare is not None:
            prepare()
        answer = case.call(base_url=base_url, headers=auth, timeout=TIMEOUT)
        if answer.status_code not in accepted:
            refused.append(f"{case.as_curl_command()} -> {answer.status_code} {answer.text[:200]}")

    call()
    return refused


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_schema_valid_request_is_accepted(dialect: str) -> None:
    contract = resolve_contract(dialect)
    schema = schemathesis.openapi.from_path(contract.root / "openapi.yaml")
    refused: list[str] = []
    with Simulator(contract=contract) as sim:
        api = Api(sim)
        auth = api.auth(KEY_A)
        for result in schema.get_all_operations():
            operation = result.ok()
            kind = operation.definition.raw[OPERATION_KEY]
            prepare = _webhook_state(api, contract, auth, kind) if kind in WEBHOOK_OPERATIONS else None
            refused += _refusals(operation, sim.base_url, auth, _accepted_for(contract, kind), prepare)
    assert refused == []
