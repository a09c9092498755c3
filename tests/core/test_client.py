"""The gateway client: retries on 500, 429s waited out, pacing, auth forms, redaction, unreachable."""

from __future__ import annotations

import base64
import json
import socket

import pytest

from gatewatch.contract import resolve_contract
from gatewatch.core.client import GatewayClient
from gatewatch.core.config import Timeouts
from gatewatch.core.errors import TargetUnreachable
from gatewatch.core.ratelimit import Pacer, RateLimit, header_int
from gatewatch.core.secrets import Secret
from tests.stubs import Scripted, StubServer

KEY = Secret("sentinel-key-5f1c2d")
ERROR = {"status": 500, "error": "Internal Server Error", "message": "boom"}
STRICT = resolve_contract("strict")
THROTTLED = {"status": 429, "error": "Too Many Requests", "message": "slow down", "retryAfter": 2}
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
    assert exchange.attempts == len(stub.seen) == 2


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
    stub.script = [Scripted(404, {"status": 404, "error": "Not Found", "message": "no"})]
    with _client(stub, delays) as client:
        assert client.lookup("m-1", "SMS").status == 404
    assert delays == [] and len(stub.seen) == 1


def test_the_key_goes_in_x_api_key_alone_but_never_into_the_record(stub: StubServer) -> None:
    stub.script = [Scripted(200, STATUS)]
    with _client(stub, []) as client:
        exchange = client.lookup("a/b c", "SMS")
    _, path, headers, _ = stub.seen[0]
    assert headers["X-Api-Key"] == KEY.reveal()
    assert "Authorization" not in headers
    assert path == "/api/partner-gateway/v1/messages/status/a%2Fb%20c?channel=SMS"
    text = exchange.describe() + repr(exchange.to_dict())
    assert KEY.reveal() not in text
    assert "X-Api-Key: ***" in exchange.request.curl()


def test_the_strict_dialect_sends_bearer(stub: StubServer) -> None:
    stub.script = [Scripted(200, STATUS)]
    with GatewayClient(stub.base_url, KEY, contract=STRICT) as client:
        exchange = client.lookup("m-1", "SMS")
    assert stub.seen[0][2]["Authorization"] == f"Bearer {KEY.reveal()}"
    assert "Authorization: Bearer ***" in exchange.request.curl()


def test_an_empty_scheme_means_no_scheme_not_the_contracts(stub: StubServer) -> None:
    stub.script = [Scripted(200, STATUS)]
    with GatewayClient(stub.base_url, KEY, contract=STRICT, auth_header="X-Key", auth_scheme="") as client:
        client.lookup("m-1", "SMS")
    assert stub.seen[0][2]["X-Key"] == KEY.reveal()


def test_basic_auth_sends_user_and_password_encoded(stub: StubServer) -> None:
    stub.script = [Scripted(200, STATUS)]
    secret = Secret("partner:pa55word-sentinel")
    with GatewayClient(stub.base_url, secret, auth="basic") as client:
        exchange = client.lookup("m-1", "SMS")
    expected = base64.b64encode(b"partner:pa55word-sentinel").decode()
    assert stub.seen[0][2]["Authorization"] == f"Basic {expected}"
    assert expected not in exchange.request.curl() and "Authorization: Basic ***" in exchange.request.curl()


def test_sends_use_the_contracts_field_names_and_the_dry_run_flag(stub: StubServer) -> None:
    stub.script = [Scripted(201, {"customerMessageId": "m-1"}), Scripted(201, {"customerMessageId": "m-2"})]
    with GatewayClient(stub.base_url, KEY, dry_run_sends=True) as client:
        client.send("SMS", "+393400000001", "hello")
    with GatewayClient(stub.base_url, KEY, contract=STRICT) as client:
        client.send("SMS", "+393400000001", "hello")
    assert json.loads(stub.seen[0][3]) == {
        "destination": "+393400000001",
        "body": "hello",
        "simulation": True,
    }
    assert json.loads(stub.seen[1][3]) == {"to": "+393400000001", "text": "hello"}


def test_a_429_is_waited_out_as_the_body_says_and_kept(stub: StubServer) -> None:
    delays: list[float] = []
    stub.script = [
        Scripted(429, THROTTLED, {"Content-Type": "application/json", "Retry-After": "7"}),
        Scripted(
            200,
            STATUS,
            {"Content-Type": "application/json", "X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "998"},
        ),
    ]
    with GatewayClient(
        stub.base_url, KEY, sleep=delays.append, rate_limit=RateLimit(per_minute=1000)
    ) as client:
        exchange = client.lookup("m-1", "SMS")
    assert exchange.status == 200 and delays == [2]
    assert [t.response.status for t in exchange.throttled] == [429]
    assert exchange.throttled[0].waited_s == 2 and exchange.throttled[0].under_limit is True
    assert exchange.attempts == 2 and exchange.rate_limit == "1000/min"
    limits = client.contract.rate_limits
    headers = exchange.response.headers
    assert header_int(headers, limits.limit_header) == 1000
    assert header_int(headers, limits.remaining_header) == 998


def test_retry_after_is_used_when_the_body_has_no_wait(stub: StubServer) -> None:
    delays: list[float] = []
    body = {k: v for k, v in THROTTLED.items() if k != "retryAfter"}
    stub.script = [
        Scripted(429, body, {"Content-Type": "application/json", "Retry-After": "3"}),
        Scripted(200, STATUS),
    ]
    with GatewayClient(stub.base_url, KEY, sleep=delays.append) as client:
        exchange = client.lookup("m-1", "SMS")
    assert delays == [3.0] and exchange.throttled[0].under_limit is None


def test_429s_are_bounded_in_attempts_and_in_time(stub: StubServer) -> None:
    delays: list[float] = []
    stub.script = [Scripted(429, THROTTLED)] * 10
    with GatewayClient(stub.base_url, KEY, sleep=delays.append) as client:
        exchange = client.lookup("m-1", "SMS")
    limits = client.contract.rate_limits
    assert exchange.status == 429 and len(exchange.throttled) == limits.max_attempts + 1
    assert len(delays) == limits.max_attempts
    long_wait = {**THROTTLED, "retryAfter": limits.max_wait_s + 1}
    stub.script = [Scripted(429, long_wait), Scripted(200, STATUS)]
    with GatewayClient(stub.base_url, KEY, sleep=delays.append) as client:
        assert client.lookup("m-1", "SMS").status == 429  # gave up rather than wait past the bound


def test_a_burst_can_keep_the_first_429(stub: StubServer) -> None:
    stub.script = [Scripted(429, THROTTLED), Scripted(200, STATUS)]
    with GatewayClient(stub.base_url, KEY, sleep=lambda s: None) as client:
        path = client.lookup_path("m-1")
        exchange = client.request("GET", path, params={"channel": "SMS"}, paced=False, wait_on_throttle=False)
    assert exchange.status == 429 and len(stub.seen) == 1


def test_the_client_paces_itself_under_the_limit(stub: StubServer) -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(RateLimit(per_second=10), fraction=0.5, clock=lambda: now[0], sleep=sleep)
    stub.script = [Scripted(200, STATUS)] * 12
    with GatewayClient(stub.base_url, KEY, pacer=pacer, rate_limit=RateLimit(per_second=10)) as client:
        for _ in range(12):
            client.lookup("m-1", "SMS")
    # 5 a second at most: the 6th and 11th requests waited for the window to move on.
    assert len(slept) == 2 and pacer.requests == 12


def test_a_second_key_passed_per_call_is_redacted_too(stub: StubServer) -> None:
    other = Secret("another-sentinel-99")
    stub.script = [Scripted(401, {"status": 401, "error": "Unauthorized", "message": "no"})]
    with _client(stub, []) as client:
        exchange = client.lookup("x", "SMS", api_key=other)
    assert other.reveal() not in exchange.describe()


def test_no_key_sends_no_key_header(stub: StubServer) -> None:
    stub.script = [Scripted(401, {"status": 401, "error": "Unauthorized", "message": "no"})]
    with GatewayClient(stub.base_url, None) as client:
        exchange = client.lookup("x", "SMS")
    assert "X-Api-Key" not in stub.seen[0][2] and "Authorization" not in stub.seen[0][2]
    assert exchange.keyed is False


def test_batch_joins_ids_with_the_contract_separator_under_its_parameter(stub: StubServer) -> None:
    stub.script = [
        Scripted(200, []),
        Scripted(200, {"statuses": [], "notFound": ["a", "b"]}),
        Scripted(200, []),
    ]
    with _client(stub, []) as client:
        exchange = client.batch(["a", "b"], "RCS")
        client.batch(["a"], "RCS", ids_param="customerMessageIds")
    with GatewayClient(stub.base_url, KEY, contract=STRICT) as client:
        client.batch(["a", "b"], "RCS")
    assert stub.seen[0][1] == "/api/partner-gateway/v1/messages/status?channel=RCS&ids=a%2Cb"
    assert stub.seen[1][1].endswith("&customerMessageIds=a")
    assert stub.seen[2][1] == "/api/partner-gateway/v1/messages/status?channel=RCS&customerMessageIds=a%2Cb"
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
