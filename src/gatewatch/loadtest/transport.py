"""The users' HTTP: GET request bytes built once per path, sent on geventhttpclient's pooled sockets.

Locust's FastHttpUser wraps geventhttpclient in a user agent and a session, and even
geventhttpclient's own `HTTPClient.request` merges header dicts, runs regexes over every
header and builds a header index per answer: per request, that Python is most of what a
worker process spends. Here the request line and headers of a path are encoded once
(`prepare`), sent as they are on a kept-alive gevent socket,
and the answer is read by its C parser (llhttp) with no header index: the status code and
the body are what every answer needs. The raw answer is kept, and its headers are parsed
(by geventhttpclient's `HTTPResponse`) only when a check or a report reads them.

Each user's Transport keeps its own connections (at most `concurrency`, one per request in
flight). A kept-alive connection the server closed while idle is reconnected once, when
nothing of the answer came on it (a GET is safe to send again); `reconnects` counts them. An answer
that never came (refused, reset, timed out, too large) is an `Answer` with status 0 and the
error, never an exception: the user records it as a failed request and goes on. Every
socket operation has the pool's timeouts (connect, then read/write).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.client import HTTPException

import gevent.socket
import gevent.ssl
from geventhttpclient._parser import HTTPResponseParser
from geventhttpclient.response import HTTPConnectionClosed, HTTPResponse
from geventhttpclient.url import URL

#: The socket's errors (timeouts, resets, TLS) and the HTTP parser's: an answer that did not come.
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (OSError, HTTPException)
BLOCK_BYTES = 64 * 1024
#: An answer larger than this is an error, not a lookup: it bounds the read loop.
MAX_ANSWER_BYTES = 16 * 1024 * 1024
_CRLF = "\r\n"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class AnswerTooLarge(HTTPException):
    """More than MAX_ANSWER_BYTES came without the answer ending."""


class _StatusAndBody(HTTPResponseParser):
    """geventhttpclient's C parser keeping only the body: the header callbacks do nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.complete = False
        self.body = b""

    def _on_message_begin(self) -> None:
        pass

    def _on_status(self, _text: str) -> None:
        pass

    def _on_header_field(self, _text: str) -> None:
        pass

    def _on_header_value(self, _text: str) -> None:
        pass

    def _on_headers_complete(self) -> bool:
        return False  # a GET's answer has a body to parse

    def _on_body(self, data: bytearray) -> None:
        self.body += data

    def _on_message_complete(self) -> None:
        self.complete = True


def _read_answer(sock: gevent.socket.socket, parser: _StatusAndBody, chunks: list[bytes]) -> None:
    """Read one answer into `parser`, each piece received appended to `chunks`."""
    received = 0
    while not parser.complete:  # bounded: MAX_ANSWER_BYTES, and each recv's timeout
        data = sock.recv(BLOCK_BYTES)
        if not data:
            if chunks:  # a body that runs to the connection's close ends here
                parser.feed(data)
            if parser.complete:
                return
            raise HTTPConnectionClosed("connection closed before the answer ended")
        received += len(data)
        if received > MAX_ANSWER_BYTES:
            raise AnswerTooLarge(f"the answer passed {MAX_ANSWER_BYTES} bytes")
        chunks.append(data)
        parser.feed(data)


@dataclass(frozen=True, slots=True)
class Answer:
    """One request's outcome: status 0 and `error` when nothing usable came back."""

    status: int
    body: bytes
    started_at: float  # epoch seconds, when the request was handed to the transport
    elapsed_s: float  # from then to the last byte of the body
    error: BaseException | None = None
    raw: bytes = field(default=b"", repr=False)  # the answer as received: headers parsed on demand

    def headers(self) -> tuple[tuple[str, str], ...]:
        """The answer's headers as received (none without an answer), parsed now."""
        if not self.raw:
            return ()
        parsed = HTTPResponse()
        parsed.feed(self.raw)
        return tuple(parsed.items())


class Transport:
    """GET requests to one base URL over at most `concurrency` kept-alive connections."""

    def __init__(
        self,
        base_url: str,
        *,
        concurrency: int,
        connect_s: float,
        read_s: float,
        headers: Mapping[str, str],
    ) -> None:
        url = URL(base_url)
        # The base URL's own path ("/api") prefixes every path the user asks for.
        self.prefix = url.path.rstrip("/")
        host = f"[{url.host}]" if ":" in url.host else url.host
        if url.port not in (None, _DEFAULT_PORTS.get(url.scheme)):
            host += f":{url.port}"
        lines = [f"Host: {host}", *(f"{name}: {value}" for name, value in headers.items())]
        if any(char in line for line in lines for char in _CRLF):
            raise ValueError("a header name or value holds a line break")
        # Sent as bytes with every request; it holds the key, so it is never shown.
        self._head_tail = (" HTTP/1.1" + _CRLF + _CRLF.join(lines) + _CRLF + _CRLF).encode("latin-1")
        self._address = (url.host, url.port or _DEFAULT_PORTS.get(url.scheme, 80))
        self._tls = gevent.ssl.create_default_context() if url.scheme == "https" else None
        self._server_name = url.host
        self._connect_s = connect_s
        self._read_s = read_s
        self._size = max(1, concurrency)
        # Kept-alive connections, the last returned first. No lock: a user's greenlets use
        # at most `concurrency` at once (one in the closed model, the in-flight slots in
        # the open one), so the list never holds more.
        self._idle: list[gevent.socket.socket] = []
        self.reconnects = 0

    def prepare(self, path: str) -> bytes:
        """The whole request for `path` (query included, already encoded), to send as many times as needed."""
        if any(char in path for char in _CRLF + " "):
            raise ValueError("a request path holds a space or a line break")
        return b"GET " + (self.prefix + path).encode("latin-1") + self._head_tail

    def get(self, path: str) -> Answer:
        """GET `path` (query included) under the base URL and read the whole answer."""
        return self.send(self.prepare(path))

    def send(self, request: bytes) -> Answer:
        """Send a prepared request and read the whole answer."""
        started_at = time.time()
        began = time.perf_counter()
        try:
            status, body, raw = self._exchange(request)
        except TRANSPORT_ERRORS as exc:
            # The traceback would keep the socket and the half-read answer alive.
            return Answer(0, b"", started_at, time.perf_counter() - began, exc.with_traceback(None))
        return Answer(status, body, started_at, time.perf_counter() - began, None, raw)

    def _connect(self) -> gevent.socket.socket:
        sock = gevent.socket.create_connection(self._address, timeout=self._connect_s)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls is not None:
                sock = self._tls.wrap_socket(sock, server_hostname=self._server_name)
            sock.settimeout(self._read_s)  # every send and recv from now on
        except BaseException:
            sock.close()
            raise
        return sock

    def _keep(self, sock: gevent.socket.socket) -> None:
        if len(self._idle) < self._size:
            self._idle.append(sock)
        else:
            sock.close()

    def _exchange(self, request: bytes) -> tuple[int, bytes, bytes]:
        # Two attempts at most: the second on a new connection, after a kept-alive one
        # turned out closed before any byte of the answer came.
        for _attempt in range(2):
            kept = bool(self._idle)
            sock = self._idle.pop() if kept else self._connect()
            parser = _StatusAndBody()
            chunks: list[bytes] = []
            try:
                # One send is the whole request nearly always (gevent's sendall asks the
                # socket's buffer size first, a system call per request).
                sent = sock.send(request)
                if sent < len(request):
                    sock.sendall(request[sent:])
                _read_answer(sock, parser, chunks)
            except (HTTPConnectionClosed, ConnectionResetError, BrokenPipeError):
                sock.close()
                if chunks or not kept:
                    raise
                self.reconnects += 1
                continue
            except BaseException:
                sock.close()
                raise
            if parser.should_keep_alive():
                self._keep(sock)
            else:
                sock.close()
            raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            return parser.get_code(), parser.body, raw
        raise AssertionError("unreachable: a new connection's attempt returns or raises")

    def close(self) -> None:
        """Close every kept-alive connection (one in use is closed by its request's end)."""
        idle, self._idle = self._idle, []
        for sock in idle:
            sock.close()
