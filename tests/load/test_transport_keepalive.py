"""The raw transport: a closed kept-alive connection is reconnected; headers are parsed on demand."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from gatewatch.loadtest.transport import Transport

CONNECTIONS = 2
ANSWER = b"HTTP/1.1 418 I'm a teapot\r\nContent-Type: text/plain\r\nX-Seen: %d\r\nContent-Length: 2\r\n\r\nno"


@contextmanager
def closing_server(
    answer: bytes = ANSWER, connections: int = CONNECTIONS
) -> Iterator[tuple[str, list[bytes]]]:
    """A server answering one request per connection, then closing it without saying so."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    requests: list[bytes] = []

    def serve() -> None:
        for number in range(connections):  # bounded: one request per connection
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                data = b""
                while b"\r\n\r\n" not in data and len(data) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                requests.append(data)
                conn.sendall(answer.replace(b"%d", b"%d" % number))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api", requests
    finally:
        listener.close()
        thread.join(timeout=10)


def test_a_kept_alive_connection_the_server_closed_is_reconnected_and_counted() -> None:
    with closing_server() as (base_url, requests):
        transport = Transport(base_url, concurrency=1, connect_s=5, read_s=5, headers={"X-Api-Key": "k"})
        try:
            request = transport.prepare("/status/a?channel=sms")
            first = transport.send(request)
            second = transport.send(request)  # its kept-alive connection was closed: a new one
        finally:
            transport.close()
    assert (first.status, second.status) == (418, 418)
    assert first.error is None and second.error is None and second.body == b"no"
    assert transport.reconnects == 1
    assert len(requests) == 2 and requests[0] == requests[1]
    assert requests[0].startswith(b"GET /api/status/a?channel=sms HTTP/1.1\r\n")
    assert b"\r\nX-Api-Key: k\r\n" in requests[0]
    # The headers are parsed only when asked for, from the answer as received.
    assert dict(second.headers())["X-Seen"] == "1"


def test_a_path_with_a_line_break_is_refused_before_anything_is_sent() -> None:
    transport = Transport("http://127.0.0.1:9/api", concurrency=1, connect_s=1, read_s=1, headers={})
    try:
        try:
            transport.prepare("/status/a\r\nX-Injected: 1")
        except ValueError:
            pass
        else:
            raise AssertionError("a line break in a path was accepted")
    finally:
        transport.close()


def test_a_body_without_a_length_ends_with_the_connection() -> None:
    until_close = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{}"
    with closing_server(until_close, connections=1) as (base_url, _):
        transport = Transport(base_url, concurrency=1, connect_s=5, read_s=5, headers={})
        try:
            answer = transport.get("/status/a")
        finally:
            transport.close()
    assert (answer.status, answer.body, answer.error) == (200, b"{}", None)
    assert transport.reconnects == 0
