"""The webhook receiver: a small threaded HTTP server that records each delivery the gateway POSTs.

It answers at once (the gateway wants a 2xx within seconds, and may retry otherwise), so
the judging happens later, on the recorded deliveries. Everything is bounded: the
deliveries kept (the rest counted), a body's size (413 past it) and what is kept of it,
every socket read (a timeout) and the time a body may take, the connections served at
once, and the time `stop` waits. What the gateway sends is redacted like the client's
answers, since a gateway may echo the key. A reply can be scripted (a status, a delay) so
a test can make a gateway retry.

Times are recorded twice: monotonic (to compare with the poll's times in the same
process) and wall-clock (for reports and for other processes).
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self, cast

from gatewatch.core.bounds import BODY_KEPT_BYTES, HEADER_KEPT_CHARS, clip
from gatewatch.core.errors import ConfigError
from gatewatch.core.secrets import Secret, redact, redact_bytes
from gatewatch.core.webhooks.addresses import ListenAddress
from gatewatch.core.webhooks.bodies import Malformed, TooLarge, read_body

# How often serve_forever looks at its stop flag: shutdown() waits up to this long.
_POLL_INTERVAL_S = 0.05
_REFUSED_METHODS = ("GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


@dataclass(frozen=True, slots=True)
class Reply:
    """How the receiver answers a delivery: a status, after a delay (0: at once)."""

    status: int = HTTPStatus.OK
    delay_s: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiverSettings:
    """Where the receiver listens, how it answers, and its bounds."""

    listen: ListenAddress = field(default_factory=lambda: ListenAddress("127.0.0.1", 0))
    #: The one path deliveries are accepted on; None accepts any path.
    path: str | None = None
    reply: Reply = field(default_factory=Reply)
    max_deliveries: int = 10_000
    max_body_bytes: int = 1024 * 1024
    kept_body_bytes: int = BODY_KEPT_BYTES
    #: Each socket read, and the whole body, must arrive within this.
    read_timeout_s: float = 5.0
    max_connections: int = 32
    #: How long `stop` waits for the server thread and the requests in flight.
    stop_timeout_s: float = 5.0
    #: Keys to redact from whatever the gateway sends (it may echo one).
    secrets: tuple[Secret, ...] = ()

    def __post_init__(self) -> None:
        bounds = (self.max_body_bytes, self.kept_body_bytes, self.max_connections)
        timeouts = (self.read_timeout_s, self.stop_timeout_s)
        if self.max_deliveries < 0 or min(bounds) < 1 or min(timeouts) <= 0 or self.reply.delay_s < 0:
            raise ValueError(f"receiver bounds must be positive: {self!r}")


@dataclass(frozen=True, slots=True)
class Delivery:
    """One POST the receiver accepted: when, where, what (redacted; the body cut, its size noted)."""

    seq: int  # arrival order among the deliveries received, from 0
    received_at: float  # monotonic seconds
    received_wall: float  # epoch seconds
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    size: int  # the whole body's size in bytes
    answered: int  # the status the receiver answered
    #: The whole body's JSON (parsed before the cut), or None when it is not JSON.
    parsed: Any = field(default=None, compare=False, repr=False)

    @property
    def cut(self) -> bool:
        """True when `body` is only the start of what arrived."""
        return self.size > len(self.body)

    def header(self, name: str) -> str | None:
        """The first header called `name` (case-insensitive), or None."""
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


@dataclass(frozen=True, slots=True)
class ReceiverCounts:
    """What arrived besides the deliveries kept."""

    received: int = 0  # POSTs accepted (kept or dropped)
    dropped: int = 0  # accepted past max_deliveries: answered and counted, not kept
    too_large: int = 0  # bodies over max_body_bytes, answered 413
    refused: int = 0  # a wrong path (404) or method (405)
    broken: int = 0  # bad framing, or a body that did not arrive in time: dropped unanswered
    turned_away: int = 0  # connections past max_connections, closed at once


class Receiver:
    """The callback the gateway POSTs to, for as long as a `with` block (or start/stop)."""

    def __init__(self, settings: ReceiverSettings | None = None) -> None:
        self.settings = settings or ReceiverSettings()
        self._changed = threading.Condition()
        self._kept: deque[Delivery] = deque()
        self._counts = ReceiverCounts()
        self._script: deque[Reply] = deque()
        self._stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life --------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind the listen address and serve; ConfigError when the address cannot be bound."""
        if self._thread is not None:
            raise RuntimeError("a receiver starts once: make a new one")
        listen = self.settings.listen
        try:
            server = _Server(self, (listen.host, listen.port), ipv6=listen.ipv6)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ConfigError(f"cannot listen on {listen.host}:{listen.port}: {reason}") from None
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(_POLL_INTERVAL_S,), name="webhook-receiver", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> bool:
        """Stop serving and close every connection; True when all finished within stop_timeout_s."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return True
        self._stopping.set()
        deadline = time.monotonic() + self.settings.stop_timeout_s
        server.shutdown()
        server.server_close()
        with self._changed:
            for sock in self._open:
                _hang_up(sock)
            self._changed.notify_all()
            left = max(0.0, deadline - time.monotonic())
            idle = self._changed.wait_for(lambda: not self._open, timeout=left)
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
        self._server = None
        return idle and not thread.is_alive()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def address(self) -> tuple[str, int]:
        """The host and port bound (the port a port-0 listen address was given)."""
        if self._server is None:
            raise RuntimeError("the receiver is not running")
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        """`http://host:port` of the bound address (the callback, when no public URL is given)."""
        return self.settings.listen.url(self.address[1])

    # -- what arrived ------------------------------------------------------------------

    def deliveries(self) -> tuple[Delivery, ...]:
        """The deliveries kept so far, in arrival order (a snapshot)."""
        with self._changed:
            return tuple(self._kept)

    def counts(self) -> ReceiverCounts:
        """What else arrived: dropped, refused, too large, broken, turned away."""
        with self._changed:
            return self._counts

    def wait_for(self, predicate: Callable[[tuple[Delivery, ...]], bool], timeout_s: float) -> bool:
        """Wait until `predicate(deliveries)` holds, at most `timeout_s`; its last value."""
        with self._changed:
            return self._changed.wait_for(
                lambda: predicate(tuple(self._kept)) or self._stopping.is_set(), timeout=timeout_s
            ) and predicate(tuple(self._kept))

    def forget(self, before: float) -> int:
        """Drop the deliveries received before `before` (monotonic); how many were dropped.

        A receiver that runs for months (the probe's loop) forgets what its runs have judged,
        so the deliveries kept stay under max_deliveries.
        """
        with self._changed:
            dropped = 0
            while self._kept and self._kept[0].received_at < before:  # bounded: the deliveries kept
                self._kept.popleft()
                dropped += 1
            return dropped

    def script(self, *replies: Reply) -> None:
        """Answer the next deliveries with `replies`, in order, then with the settings' reply."""
        with self._changed:
            self._script.extend(replies)

    # -- called by the handler threads -------------------------------------------------

    def _accept(self, path: str, headers: list[tuple[str, str]], body: bytes) -> Reply:
        """Record a delivery (redacted, cut) and say how to answer it."""
        received_at, received_wall = time.monotonic(), time.time()
        keys = self.settings.secrets
        whole = redact_bytes(body, keys)
        parsed = _json_or_none(whole)
        with self._changed:
            reply = self._script.popleft() if self._script else self.settings.reply
            counts = self._counts
            full = len(self._kept) >= self.settings.max_deliveries
            self._counts = _bump(counts, received=1, dropped=int(full))
            if not full:
                self._kept.append(
                    Delivery(
                        seq=counts.received,
                        received_at=received_at,
                        received_wall=received_wall,
                        path=redact(path, keys),
                        headers=tuple(
                            (redact(k, keys), clip(redact(v, keys), HEADER_KEPT_CHARS)) for k, v in headers
                        ),
                        body=whole[: self.settings.kept_body_bytes],
                        size=len(whole),
                        answered=reply.status,
                        parsed=parsed,
                    )
                )
            self._changed.notify_all()
        return reply

    def _count(self, **more: int) -> None:
        with self._changed:
            self._counts = _bump(self._counts, **more)

    def _opened(self, sock: socket.socket) -> bool:
        with self._changed:
            if len(self._open) >= self.settings.max_connections or self._stopping.is_set():
                self._counts = _bump(self._counts, turned_away=1)
                return False
            self._open.add(sock)
            return True

    def _closed(self, sock: socket.socket) -> None:
        with self._changed:
            self._open.discard(sock)
            self._changed.notify_all()

    def _pause(self, delay_s: float) -> bool:
        """Wait `delay_s` before answering; False when the receiver stopped meanwhile."""
        return not self._stopping.wait(delay_s) if delay_s > 0 else not self._stopping.is_set()


def _bump(counts: ReceiverCounts, **more: int) -> ReceiverCounts:
    return ReceiverCounts(**{name: getattr(counts, name) + more.get(name, 0) for name in counts.__slots__})


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _hang_up(sock: socket.socket) -> None:
    # Wakes a handler blocked reading a kept-alive connection, so stop need not wait it out.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # stop() waits for the requests in flight itself, within its timeout.
    block_on_close = False

    def __init__(self, receiver: Receiver, address: tuple[str, int], *, ipv6: bool) -> None:
        self.receiver = receiver
        self.address_family = socket.AF_INET6 if ipv6 else socket.AF_INET
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer's own looks the host's name up (getfqdn): a DNS query nobody needs here.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.receiver._opened(request):
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.receiver._closed(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A connection that broke mid-request is the sender's problem: counted, not printed.
        self.receiver._count(broken=1)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a gateway may send several on one connection
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.receiver.settings.read_timeout_s)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a receiver that prints every request would flood the run's output

    def do_POST(self) -> None:
        receiver = self.server.receiver
        settings = receiver.settings
        path = self.path
        if settings.path is not None and path.split("?", 1)[0] != settings.path:
            receiver._count(refused=1)
            self._answer(HTTPStatus.NOT_FOUND, close=True)
            return
        try:
            body = read_body(
                self.headers,
                cast(Any, self.rfile),
                limit=settings.max_body_bytes,
                deadline=time.monotonic() + settings.read_timeout_s,
            )
        except TooLarge:
            receiver._count(too_large=1)
            self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, close=True)
            return
        except (Malformed, OSError):
            receiver._count(broken=1)
            self.close_connection = True
            return
        reply = receiver._accept(path, list(self.headers.items()), body)
        if receiver._pause(reply.delay_s):
            self._answer(reply.status)
        else:
            self.close_connection = True

    def _refuse_method(self) -> None:
        self.server.receiver._count(refused=1)
        self._answer(HTTPStatus.METHOD_NOT_ALLOWED, close=True)

    def _answer(self, status: int, *, close: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()


for _method in _REFUSED_METHODS:
    setattr(_Handler, f"do_{_method}", _Handler._refuse_method)
