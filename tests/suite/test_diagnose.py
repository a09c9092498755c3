"""Drift diagnosis: a batch parameter answered under the docs' other name says so in one line."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from gatewatch.contract import resolve_contract
from gatewatch.core.client import GatewayClient
from gatewatch.core.secrets import Secret
from gatewatch.suite.diagnose import batch_param_drift
from tests.stubs import Scripted, StubServer

VENDOR = resolve_contract("vendor")
ERROR = {"status": 400, "error": "Bad Request", "message": "ids is required"}


def _client(stub: StubServer) -> GatewayClient:
    return GatewayClient(stub.base_url, Secret("key-a"), contract=VENDOR, retry_delays_s=())


def test_a_400_that_the_alias_answers_200_names_the_drift(stub: StubServer) -> None:
    stub.script = [Scripted(400, ERROR), Scripted(200, [])]
    client = _client(stub)
    first = client.batch(["a", "b"], "SMS")
    found = batch_param_drift(client, VENDOR, first, ["a", "b"], "SMS")
    assert found is not None
    line, answer = found
    assert answer.status == 200
    assert "\n" not in line
    assert line.startswith("batch parameter 'ids' expected, 'customerMessageIds' came instead")
    assert "names.renames" in line
    asked = [parse_qs(urlsplit(path).query) for _, path, _, _ in stub.seen]
    assert asked[1] == {"customerMessageIds": ["a,b"], "channel": ["SMS"]}


def test_no_diagnosis_when_the_alias_fails_too_or_the_batch_was_not_400(stub: StubServer) -> None:
    stub.script = [Scripted(400, ERROR), Scripted(400, ERROR)]
    client = _client(stub)
    first = client.batch(["a"], "SMS")
    assert batch_param_drift(client, VENDOR, first, ["a"], "SMS") is None
    assert len(stub.seen) == 2, "one retry per documented alias, no more"
    stub.script = [Scripted(200, [])]
    fine = client.batch(["a"], "SMS")
    assert batch_param_drift(client, VENDOR, fine, ["a"], "SMS") is None
    assert len(stub.seen) == 3, "a batch that worked is not asked again"
