"""Hostile targets for the harness's own tests: loopback HTTP servers that misbehave on purpose.

`HostileServer` answers every request (any method, any path) through an `Answer` function;
two are here: `echo`, which copies every request header and the URL into its body and its
response headers in several encodings (as a debugging proxy or a careless gateway would),
and `huge`, which answers a body of a given size to everything. The answers look enough
like a gateway (200 JSON with the contract's names, 201 with an id to a send) that every
command gets past its preflight and on to its real work.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote, urlsplit

from gatewatch.contract import Contract, default_contract
from tests.stubs import BASE_PATH, LoopbackServer


@dataclass(frozen=True)
class Request:
    """What the server was sent."""

    method: str
    target: str  # path and query, as on the request line
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Reply:
    """What it answers."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


Answer = Callable[[Request], Reply]


class HostileServer(LoopbackServer):
    """A loopback HTTP server answering through `answer`; a context manager."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                server.requests += 1
                reply = server.answer(Request(self.command, self.path, tuple(self.headers.items())))
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that hangs up mid-answer (a run ending) is not news

        self._serve(Handler, Server)


def _gatewayish(
    request: Request,
    contract: Contract,
    extra: dict[str, object],
    ids: itertools.count[int],
    description: str,
) -> tuple[int, object]:
    """A status and a JSON body shaped like the gateway's answer to `request`, plus `extra`."""
    parts = urlsplit(request.target)
    fields = contract.fields
    if request.method == "POST":
        return 201, {contract.send.id: f"hostile-{next(ids)}", **extra}
    lookup_prefix = BASE_PATH + contract.lookup_path.split("{", 1)[0]
    entry = {fields.status: "DELIVERED", fields.description: description, **extra}
    if parts.path.startswith(lookup_prefix) and len(parts.path) > len(lookup_prefix):
        return 200, {fields.id: unquote(parts.path[len(lookup_prefix) :]), **entry}
    if parts.path == BASE_PATH + contract.batch_path:
        return 200, [{fields.id: "hostile-0", **entry}]
    return 200, {**extra}


def echo(contract: Contract | None = None) -> Answer:
    """Answers that copy every request header and the URL back, raw, percent-encoded and decoded."""
    contract = contract or default_contract()
    ids = itertools.count(1)

    def answer(request: Request) -> Reply:
        seen = [("url", request.target), *request.headers]
        echoed: dict[str, object] = {
            "raw": dict(seen),
            "percent": {name: quote(value, safe="") for name, value in seen},
            "basic": [_basic(value) for _, value in seen if _basic(value)],
            "text": "\n".join(f"{name}: {value}" for name, value in seen),
        }
        status, body = _gatewayish(request, contract, {"echo": echoed}, ids, str(echoed["text"]))
        headers = {"Content-Type": contract.json_content_type}
        for name, value in seen:
            headers[f"X-Echo-{name}"] = value
            headers[f"X-Echo-Percent-{name}"] = quote(value, safe="")
        return Reply(status, json.dumps(body).encode(), headers)

    return answer


def huge(size: int, contract: Contract | None = None) -> Answer:
    """Answers of about `size` bytes to everything: the gateway's JSON with a `size`-long description."""
    contract = contract or default_contract()
    ids = itertools.count(1)
    filler = "x" * size

    def answer(request: Request) -> Reply:
        status, body = _gatewayish(request, contract, {}, ids, filler)
        return Reply(status, json.dumps(body).encode(), {"Content-Type": contract.json_content_type})

    return answer


def _basic(value: str) -> str | None:
    scheme, _, credential = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(credential, validate=True).decode("utf-8", "replace")
    except ValueError:
        return None
