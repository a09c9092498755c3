"""No false alarm: a gateway whose webhooks are late (within the deadline), doubled, out of
order, and retried after the receiver's 500 passes the delivery tests, with the duplicates
reported.

The suite's receiver sits behind a forwarder that answers 500 to the first POST of each
payload (so the simulator retries it) and passes the rest on; --webhook-public-url tells
the gateway to call the forwarder.
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.request
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gatewatch.core.embedded import simulator_process
from gatewatch.core.options.simulate import SimulateOptions
from gatewatch.core.options.webhooks import WebhookOptions
from tests.suite.conftest import LOCAL_WEBHOOKS, run_suite

FAULTS = {"delay_s": 0.2, "duplicates": 0.5, "reorder": 0.5}
FORWARD_TIMEOUT_S = 5.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _FailFirst(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.server.lock:
            first = body not in self.server.seen
            self.server.seen.add(body)
        status = HTTPStatus.INTERNAL_SERVER_ERROR
        if not first:
            request = urllib.request.Request(
                self.server.forward_to, data=body, headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=FORWARD_TIMEOUT_S) as answer:
                status = answer.status
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def forwarder() -> Iterator[tuple[ThreadingHTTPServer, int]]:
    """A 500-first forwarder on 127.0.0.1, and the port the suite's receiver is to listen on."""
    listen_port = _free_port()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FailFirst)
    server.seen = set()  # type: ignore[attr-defined]
    server.lock = threading.Lock()  # type: ignore[attr-defined]
    server.forward_to = f"http://127.0.0.1:{listen_port}/"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server, listen_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _set_faults(base_url: str) -> None:
    root = base_url.split("/api", 1)[0]
    request = urllib.request.Request(
        f"{root}/_control/webhook-faults",
        data=json.dumps(FAULTS).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=FORWARD_TIMEOUT_S) as answer:
        assert answer.status == HTTPStatus.OK


def test_late_doubled_reordered_and_retried_webhooks_pass_with_duplicates_reported(
    tmp_path: Path, forwarder: tuple[ThreadingHTTPServer, int]
) -> None:
    server, listen_port = forwarder
    sim_args = [*LOCAL_WEBHOOKS, *SimulateOptions(control=True).as_args()]
    hooks = WebhookOptions(
        webhook_listen=f"127.0.0.1:{listen_port}",
        webhook_public_url=f"http://127.0.0.1:{server.server_address[1]}/",
    )
    with simulator_process(sim_args) as sim:
        _set_faults(sim.base_url)
        run = run_suite(tmp_path, "--base-url", sim.base_url, "-k", "webhook_deliveries", *hooks.as_args())
    assert run.exit_code == 0, run.output[-3000:]
    rules = run.summary["rules"]
    assert rules["webhook_lost"]["status"] == "passed"
    assert rules["webhook_duplicate"]["status"] == "passed"
    assert rules["webhook_duplicate"]["notes"], "the duplicates are reported"
    assert len(server.seen) > 0, "the gateway called the forwarder"  # type: ignore[attr-defined]
