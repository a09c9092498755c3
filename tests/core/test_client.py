"""The gateway client: retries on 500, timeouts, redaction, unreachable targets."""

from __future__ import annotations

import socket

import pytest

from gatewatch.client import GatewayClient
from gatewatch.config import Timeouts
from gatewatch.errors import TargetUnreachable
from gatewatch.secrets import Secret
from tests.stubs import Scripted, StubServer

KEY = Secret("sentinel-key-5f1c2d")
ERROR = {"code": "INTERNAL_ERROR", "message": "boom"}
STATUS = {
    "customerMessageId": "m-1",
    "channel": "SMS",
    "deliveryStato": "SENT",
    "deliveryStatoDescription": None,
    "updatedAt": "2026-01-01T00:00:00Z",
}


def _client(stub: StubServer, delays: list[float]) -> GatewayClient:
    return GatewayClient(
        stub.base_url,
        KEY,
        retry_delays_s=(0.5, 1.0),
        sleep=delays.append,
        timeouts=Timeouts(connect_s=2, read_s=2),
    )


def test_a_500_is_retried_after_the_documented_delays_and_counted(stub: StubServer) -> None:
    delays: list[float] = []
    stub.script = [Scripted(500, ERROR), Scripted(200, STATUS)]
    with _client(stub, delays) as client:
        exchange = client.lookup("m-1", "SMS")
    assert exchange.status == 200
    assert [r.status for r in exchange.retried] == [500]
    assert exchange.server_errors == 1
    assert delays == [0.5]
    assert client.stats.requests == 2 and client.stats.server_errors == 1


def test_a_500_that_repeats_is_returned_after_every_retry(stub: StubServer) -> None:
    delays: list[float] = []
    stub.script = [Scripted(500, ERROR)] * 3
    with _client(stub, delays) as client:
        exchange = client.lookup("m-1", "SMS")
    assert exchange.status == 500
    assert exchange.attempts == 3
    assert delays == [0.5, 1.0]


def test_other_errors_are_not_retried(stub: StubServer) -> None:
    delays: list[float] = []
    stub.script = [Scripted(404, {"code": "NOT_FOUND", "message": "no"})]
    with _client(stub, delays) as client:
        assert client.lookup("m-1", "SMS").status == 404
    assert delays == [] and len(stub.seen) == 1


def test_the_key_goes_on_the_wire_but_never_into_the_record(stub: StubServer) -> None:
    stub.script = [Scripted(200, STATUS)]
    with _client(stub, []) as client:
        exchange = client.lookup("a/b c", "SMS")
    _, path, headers, _ = stub.seen[0]
    assert headers["Authorization"] == f"Bearer {KEY.reveal()}"
    assert path == "/api/partner-gateway/v1/messages/status/a%2Fb%20c?channel=SMS"
    text = exchange.describe() + repr(exchange.to_dict())
    assert KEY.reveal() not in text
    assert "Authorization: Bearer ***" in exchange.request.curl()


def test_a_second_key_passed_per_call_is_redacted_too(stub: StubServer) -> None:
    other = Secret("another-sentinel-99")
    stub.script = [Scripted(401, {"code": "UNAUTHORIZED", "message": "no"})]
    with _client(stub, []) as client:
        exchange = client.lookup("x", "SMS", api_key=other)
    assert other.reveal() not in exchange.describe()


def test_no_key_sends_no_authorization_header(stub: StubServer) -> None:
    stub.script = [Scripted(401, {"code": "UNAUTHORIZED", "message": "no"})]
    with GatewayClient(stub.base_url, None) as client:
        client.lookup("x", "SMS")
    assert "Authorization" not in stub.seen[0][2]


def test_batch_joins_ids_with_the_contract_separator(stub: StubServer) -> None:
    stub.script = [Scripted(200, {"statuses": [], "notFound": ["a", "b"]})]
    with _client(stub, []) as client:
        exchange = client.batch(["a", "b"], "RCS")
    assert stub.seen[0][1] == "/api/partner-gateway/v1/messages/status?channel=RCS&customerMessageIds=a%2Cb"
    assert exchange.ids == ("a", "b")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_refused_connection_is_unreachable_and_not_connected() -> None:
    client = GatewayClient(
        f"http://127.0.0.1:{_free_port()}/api", KEY, timeouts=Timeouts(connect_s=1, read_s=1)
    )
    with pytest.raises(TargetUnreachable) as caught:
        client.lookup("x", "SMS")
    assert caught.value.connected is False
    assert KEY.reveal() not in str(caught.value)


def test_a_dropped_connection_is_unreachable_but_connected(stub: StubServer) -> None:
    stub.script = [Scripted(drop=True)]
    with _client(stub, []) as client, pytest.raises(TargetUnreachable) as caught:
        client.lookup("x", "SMS")
    assert caught.value.connected is True
