"""The HTTP edge: uvicorn's httptools protocol with the simulator's size limits and drop hook.

A request target or header section over the configured limits is refused here, before
the app sees the request, in the contract's error body (414 or 431, as gateway-api.md
allows past the server's size limits). Left to itself uvicorn answers a target over
64 KiB with its own `400 text/plain` (httptools' URL parser cannot hold it) and takes
headers of any size. The answer goes out as soon as a limit is passed; the connection
then stays half-open for a moment, so that the client reads the answer instead of a
reset caused by the rest of its request arriving at a closed socket.
"""

from __future__ import annotations

import http
from dataclasses import dataclass
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gatewatch.simulator.app import ABORT_EXTENSION
from gatewatch.simulator.errors import headers_too_large, uri_too_long
from gatewatch.simulator.http import Response
from gatewatch.simulator.render import Renderer

# How long a refused connection stays half-open for the client to read the answer.
_LINGER_S = 1.0


@dataclass(frozen=True, slots=True)
class Limits:
    """The request sizes served, and the answers past them (rendered once)."""

    target_bytes: int
    header_bytes: int
    target_refusal: Response
    header_refusal: Response


def limits(target_bytes: int, header_bytes: int, render: Renderer) -> Limits:
    """The edge's limits, with their refusals in the contract's error body."""
    return Limits(
        target_bytes=target_bytes,
        header_bytes=header_bytes,
        target_refusal=render.error(uri_too_long(target_bytes)).closing(),
        header_refusal=render.error(headers_too_large(header_bytes)).closing(),
    )


class EdgeProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing oversized requests and letting the app drop a connection.

    Use `protocol_for(limits)`: it binds the limits of one simulator.
    """

    limits: ClassVar[Limits]
    _refused = False
    _target_bytes = 0
    _header_bytes = 0

    def data_received(self, data: bytes) -> None:
        """Parse `data`, or discard it once the request was refused (its answer is out)."""
        if not self._refused:
            super().data_received(data)

    def on_message_begin(self) -> None:
        """Start a request: count its sizes afresh; offer the app the abort hook."""
        if self._refused:
            return
        super().on_message_begin()
        self._target_bytes = 0
        self._header_bytes = 0
        # ASGI gives an app no way to drop a connection without answering; this does.
        extensions = self.scope.setdefault("extensions", {})
        extensions[ABORT_EXTENSION] = {"abort": self.transport.abort}

    def on_url(self, url: bytes) -> None:
        """Collect the target (it may come in pieces), refusing it past the limit."""
        if self._refused:
            return
        self._target_bytes += len(url)
        if self._target_bytes > self.limits.target_bytes:
            self._refuse(self.limits.target_refusal)
            return
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        """Collect a header, refusing the request once its headers pass the limit."""
        if self._refused:
            return
        self._header_bytes += len(name) + len(value)
        if self._header_bytes > self.limits.header_bytes:
            self._refuse(self.limits.header_refusal)
            return
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        """Hand the request to the app, unless it was refused."""
        if not self._refused:
            super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        """Pass a body piece on, unless the request was refused."""
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        """End the request, unless it was refused."""
        if not self._refused:
            super().on_message_complete()

    def _refuse(self, response: Response) -> None:
        self._refused = True
        phrase = http.HTTPStatus(response.status).phrase
        lines = [
            f"HTTP/1.1 {response.status} {phrase}".encode("ascii"),
            *(name + b": " + value for name, value in self.server_state.default_headers),
            *(name + b": " + value for name, value in response.asgi_headers()),
        ]
        transport: Any = self.transport
        transport.write(b"\r\n".join([*lines, b"", response.body]))
        if transport.can_write_eof():
            transport.write_eof()
        self.loop.call_later(_LINGER_S, transport.close)


def protocol_for(edge: Limits) -> type[EdgeProtocol]:
    """The protocol class uvicorn instantiates per connection, bound to `edge`."""
    return type("BoundEdgeProtocol", (EdgeProtocol,), {"limits": edge})
