"""A scripted loopback HTTP server for unit tests of the client and the checks."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

# Where the stubs serve the gateway's paths, as the real one does (everything before
# /partner-gateway/v1).
BASE_PATH = "/api"


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 (port 0) for as long as a `with` block: the stubs' base."""

    server: ThreadingHTTPServer
    thread: threading.Thread

    def _serve(
        self,
        handler: type[BaseHTTPRequestHandler],
        server_class: type[ThreadingHTTPServer] = ThreadingHTTPServer,
    ) -> None:
        self.server = server_class(("127.0.0.1", 0), handler)
        # A short poll interval: shutdown() waits for the loop's next look at its flag.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{BASE_PATH}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@dataclass
class Scripted:
    """A reply the stub server gives: status, body, headers; or drop the connection."""

    status: int = 200
    body: object = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    drop: bool = False


class StubServer(LoopbackServer):
    """A loopback HTTP server that answers from a script and records what it was sent."""

    def __init__(self) -> None:
        self.script: list[Scripted] = []
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                stub.seen.append((self.command, self.path, dict(self.headers), body))
                reply = (
                    stub.script.pop(0)
                    if stub.script
                    else Scripted(404, {"code": "NOT_FOUND", "message": "no"})
                )
                if reply.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                raw = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_DELETE = _answer

        self._serve(Handler)
