"""The webhook receiver, against real HTTP on 127.0.0.1: records, bounds, 413, replies, waiting, stopping."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest
import requests

from gatewatch.core.errors import ConfigError
from gatewatch.core.secrets import Secret
from gatewatch.core.webhooks import Delivery, ListenAddress, Receiver, ReceiverSettings, Reply

KEY = Secret("sentinel-key-7c41ab")
TIMEOUT = (2, 5)
PAYLOAD = {"eventType": "DELIVERY", "messageId": "gw-1", "customerMessageId": "m-1", "statusCode": 3}


def _post(receiver: Receiver, body: bytes | str = b"{}", path: str = "/hook", **kwargs: object) -> int:
    response = requests.post(receiver.url + path, data=body, timeout=TIMEOUT, **kwargs)
    return response.status_code


def _raw(receiver: Receiver, data: bytes) -> socket.socket:
    sock = socket.create_connection(receiver.address, timeout=10)
    sock.sendall(data)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    for _ in range(1000):  # bounded: the server closes, or the socket's timeout raises
        chunk = sock.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(ReceiverSettings(secrets=(KEY,))) as running:
        yield running


def test_a_delivery_is_recorded_with_its_path_headers_body_json_and_times(receiver: Receiver) -> None:
    body = json.dumps(PAYLOAD).encode()
    status = _post(receiver, body, "/callbacks/sms?x=1", headers={"Content-Type": "application/json"})
    (delivery,) = receiver.deliveries()
    assert status == 200
    assert delivery.path == "/callbacks/sms?x=1"
    assert delivery.header("content-type") == "application/json"
    assert delivery.body == body and delivery.size == len(body) and not delivery.cut
    assert delivery.parsed == PAYLOAD
    assert delivery.seq == 0 and delivery.answered == 200
    assert delivery.received_wall > 0 and delivery.received_at > 0


def test_the_bound_address_is_read_back_from_port_0(receiver: Receiver) -> None:
    host, port = receiver.address
    assert host == "127.0.0.1" and port > 0
    assert receiver.url == f"http://127.0.0.1:{port}"


def test_a_body_that_is_not_json_is_kept_with_parsed_none(receiver: Receiver) -> None:
    _post(receiver, b"not json {")
    (delivery,) = receiver.deliveries()
    assert delivery.body == b"not json {" and delivery.parsed is None


def test_deliveries_are_kept_in_arrival_order_on_one_connection(receiver: Receiver) -> None:
    with requests.Session() as session:
        for n in range(3):
            session.post(receiver.url + "/hook", json={"n": n}, timeout=TIMEOUT)
    assert [(d.seq, d.parsed) for d in receiver.deliveries()] == [(n, {"n": n}) for n in range(3)]


def test_only_the_configured_path_is_accepted() -> None:
    with Receiver(ReceiverSettings(path="/hook")) as receiver:
        assert _post(receiver, path="/hook?sig=1") == 200
        assert _post(receiver, path="/other") == 404
        assert len(receiver.deliveries()) == 1
        assert receiver.counts().refused == 1


def test_other_methods_are_refused_and_not_recorded(receiver: Receiver) -> None:
    assert requests.get(receiver.url + "/hook", timeout=TIMEOUT).status_code == 405
    assert requests.put(receiver.url + "/hook", data=b"{}", timeout=TIMEOUT).status_code == 405
    assert receiver.deliveries() == ()
    assert receiver.counts().refused == 2


def test_a_key_the_gateway_echoes_is_redacted_everywhere(receiver: Receiver) -> None:
    secret = KEY.reveal()
    body = json.dumps({"echo": secret, "auth": f"Bearer {secret}"}).encode()
    _post(receiver, body, f"/hook?key={secret}", headers={"X-Api-Key": secret, "X-Echo": f"k={secret}"})
    (delivery,) = receiver.deliveries()
    shown = repr(delivery) + repr(delivery.parsed) + delivery.body.decode()
    assert secret not in shown
    assert delivery.header("x-api-key") == "***"
    assert delivery.parsed == {"echo": "***", "auth": "Bearer ***"}
    assert delivery.path == "/hook?key=***"


def test_a_long_body_is_cut_its_size_noted_and_parsed_whole() -> None:
    payload = {"text": "x" * 500}
    body = json.dumps(payload).encode()
    with Receiver(ReceiverSettings(kept_body_bytes=64)) as receiver:
        _post(receiver, body)
        (delivery,) = receiver.deliveries()
    assert delivery.body == body[:64] and delivery.size == len(body) and delivery.cut
    assert delivery.parsed == payload


def test_deliveries_past_the_cap_are_answered_and_counted_not_kept() -> None:
    with Receiver(ReceiverSettings(max_deliveries=2)) as receiver:
        statuses = [_post(receiver, json.dumps({"n": n})) for n in range(3)]
        counts = receiver.counts()
        kept = receiver.deliveries()
    assert statuses == [200, 200, 200]
    assert [d.parsed for d in kept] == [{"n": 0}, {"n": 1}]
    assert (counts.received, counts.dropped) == (3, 1)


def test_a_body_over_the_limit_is_answered_413_and_counted() -> None:
    with Receiver(ReceiverSettings(max_body_bytes=1024)) as receiver:
        assert _post(receiver, b"x" * 1024) == 200
        assert _post(receiver, b"x" * 4096) == 413
        assert len(receiver.deliveries()) == 1
        assert receiver.counts().too_large == 1


def test_a_claimed_length_over_the_limit_is_refused_before_reading_it() -> None:
    with Receiver(ReceiverSettings(max_body_bytes=1024)) as receiver:
        sock = _raw(receiver, b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n{")
        with sock:
            answer = _read_all(sock)
        assert answer.startswith(b"HTTP/1.1 413")
        assert receiver.counts().too_large == 1


def test_a_chunked_body_is_read_and_one_over_the_limit_is_413() -> None:
    with Receiver(ReceiverSettings(max_body_bytes=1024)) as receiver:
        assert _post(receiver, iter([b'{"a":', b" 1}"])) == 200
        assert _post(receiver, iter([b"x" * 800, b"x" * 800])) == 413
        assert [d.parsed for d in receiver.deliveries()] == [{"a": 1}]
        assert receiver.counts().too_large == 1


def test_scripted_replies_come_first_then_the_settings_reply() -> None:
    settings = ReceiverSettings(reply=Reply(status=202))
    with Receiver(settings) as receiver:
        receiver.script(Reply(status=500), Reply(status=503))
        statuses = [_post(receiver) for _ in range(3)]
        answered = [d.answered for d in receiver.deliveries()]
    assert statuses == [500, 503, 202]
    assert answered == statuses


def test_a_delayed_reply_outlasts_a_short_client_timeout_and_is_still_recorded() -> None:
    with Receiver(ReceiverSettings(reply=Reply(delay_s=30.0), stop_timeout_s=10)) as receiver:
        with pytest.raises(requests.ReadTimeout):
            requests.post(receiver.url + "/hook", data=b"{}", timeout=(2, 0.2))
        # Recorded on arrival, before the delay (waited for: the client may give up first).
        assert receiver.wait_for(lambda found: len(found) == 1, timeout_s=30)
        # The 30 s delay does not hold up stop: it ends within its timeout, cleanly.
        assert receiver.stop() is True


def test_wait_for_gives_up_at_its_timeout(receiver: Receiver) -> None:
    assert receiver.wait_for(lambda found: len(found) > 0, timeout_s=0.1) is False


def test_wait_for_wakes_when_a_delivery_arrives(receiver: Receiver) -> None:
    sender = threading.Thread(target=_post, args=(receiver, b'{"late": true}'))
    sender.start()
    try:
        assert receiver.wait_for(lambda found: any(d.parsed == {"late": True} for d in found), timeout_s=30)
    finally:
        sender.join(timeout=30)


def test_stop_closes_idle_kept_alive_connections_and_the_port() -> None:
    # A read timeout far longer than stop's: an idle connection left open would make stop fail.
    receiver = Receiver(ReceiverSettings(read_timeout_s=60, stop_timeout_s=5)).start()
    session = requests.Session()
    session.post(receiver.url + "/hook", data=b"{}", timeout=TIMEOUT)
    address = receiver.address
    assert receiver.stop() is True
    session.close()
    with pytest.raises(OSError), socket.create_connection(address, timeout=2):
        pass
    assert receiver.stop() is True  # a second stop is harmless


def test_a_body_that_stops_arriving_is_dropped_at_the_read_timeout() -> None:
    with Receiver(ReceiverSettings(read_timeout_s=0.2)) as receiver:
        sock = _raw(receiver, b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{}")
        with sock:
            assert _read_all(sock) == b""  # closed unanswered
        assert receiver.counts().broken == 1
        assert receiver.deliveries() == ()


@pytest.mark.parametrize(
    "head",
    [
        b"Content-Length: ten\r\n",
        b"Transfer-Encoding: gzip\r\n",
    ],
)
def test_a_badly_framed_body_is_dropped_and_counted(head: bytes) -> None:
    with Receiver() as receiver:
        sock = _raw(receiver, b"POST /hook HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n{}")
        with sock:
            assert _read_all(sock) == b""
        assert receiver.counts().broken == 1


def test_connections_past_the_limit_are_turned_away() -> None:
    with Receiver(ReceiverSettings(max_connections=1)) as receiver:
        first = _raw(receiver, b"")
        second = _raw(receiver, b"")
        with first, second:
            try:
                closed = _read_all(second) == b""
            except ConnectionResetError:
                closed = True
        assert closed
        assert receiver.counts().turned_away == 1


def test_an_address_in_use_is_one_config_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            Receiver(ReceiverSettings(listen=ListenAddress("127.0.0.1", port))).start()


def test_a_delivery_value_reads_headers_case_insensitively() -> None:
    delivery = Delivery(
        seq=0,
        received_at=1.0,
        received_wall=2.0,
        path="/",
        headers=(("X-One", "a"), ("x-one", "b")),
        body=b"",
        size=0,
        answered=200,
    )
    assert delivery.header("X-ONE") == "a" and delivery.header("absent") is None


@pytest.mark.parametrize(
    "bad",
    [
        {"max_deliveries": -1},
        {"max_body_bytes": 0},
        {"kept_body_bytes": 0},
        {"max_connections": 0},
        {"read_timeout_s": 0},
        {"stop_timeout_s": -1},
        {"reply": Reply(delay_s=-1)},
    ],
)
def test_settings_refuse_bounds_that_are_not_positive(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="positive"):
        ReceiverSettings(**bad)


def test_a_receiver_starts_once() -> None:
    receiver = Receiver()
    with receiver:
        pass
    with pytest.raises(RuntimeError, match="starts once"):
        receiver.start()


def test_forget_drops_what_arrived_before_a_time_and_keeps_the_rest(receiver: Receiver) -> None:
    # A receiver that runs for months (the probe's loop) forgets what its runs judged.
    assert _post(receiver, b'{"n": 1}') == 200
    first = receiver.deliveries()[0]
    assert _post(receiver, b'{"n": 2}') == 200
    second = receiver.deliveries()[1]
    assert receiver.forget(first.received_at) == 0
    assert receiver.forget(second.received_at) == 1
    assert [d.parsed for d in receiver.deliveries()] == [{"n": 2}]
    assert receiver.counts().received == 2  # counted as they came, whatever is kept
