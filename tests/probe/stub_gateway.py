"""A tiny gateway for the probe's tests: sends and lookups of any dialect, and scripted refusals.

It serves what the probe calls (the send paths, the single lookup, and the preflight's
batch lookup, which finds nothing) with the names, paths, auth header and error bodies of
the contract it is given, so the same stub speaks the vendor and the strict dialect.
Every message it accepted is final on its first lookup; other ids are 404. Faults are a
script read per request:

- `forbid`: 403 to everything;
- `throttle`: the next N requests of an operation get a 429 that says to wait
  `retry_after_s` (the preflight's lookup is spared, so a test scripts the run's own);
- `refuse_after_send`: 403 to everything once a message was accepted, as when the
  allow-list changes mid-run (the preflight before the send is let through);
- `fail_messages`: the first N messages accepted settle on the expired recipient's final
  status instead (a carrier's bad minute: what a confirming second probe is for);
- `webhook`: the account's one delivery-status webhook (its callback URL, None: none);
  `refuse_callback` answers 400 to a POST or PUT of it. Its calls are seen as
  `webhook_get` and `webhook_write` (POST, PUT, DELETE), so a test can count the writes.

Keys are checked: a key other than `key` gets a 401.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from gatewatch.contract import Contract
from gatewatch.core.preflight import PREFLIGHT_ID
from tests.stubs import BASE_PATH, LoopbackServer

REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
}


@dataclass
class Script:
    """What the stub does besides answering well; changed by tests between runs."""

    forbid: bool = False
    refuse_after_send: bool = False
    #: operation ("send" or "lookup") -> how many more requests get a 429
    throttle: dict[str, int] = field(default_factory=dict)
    retry_after_s: float = 0.05
    seen: list[tuple[str, int]] = field(default_factory=list)  # (operation, status answered)
    webhook: str | None = None
    refuse_callback: bool = False
    fail_messages: int = 0


class StubGateway(LoopbackServer):
    """A loopback HTTP server speaking `contract`'s dialect; a context manager."""

    def __init__(self, contract: Contract, *, key: str = "key-a") -> None:
        self.contract = contract
        self.key = key
        self.script = Script()
        self._lock = threading.Lock()
        self._ids = 0
        self._sent: set[tuple[str, str]] = set()  # (id, channel)
        self._failing: set[str] = set()  # ids of the messages that settle on the expired status
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.body = self.rfile.read(length)
                stub._answer(self, "send")

            def do_GET(self) -> None:
                stub._answer(self, "lookup")

            def do_PUT(self) -> None:
                self.do_POST()

            def do_DELETE(self) -> None:
                stub._answer(self, "send")

        self._serve(Handler)

    # -- answers ------------------------------------------------------------------------

    def _answer(self, handler: BaseHTTPRequestHandler, operation: str) -> None:
        status, body, headers = self._decide(handler, operation)
        if urlsplit(handler.path).path == BASE_PATH + self.contract.webhooks.registration.path:
            operation = "webhook_get" if handler.command == "GET" else "webhook_write"
        with self._lock:
            self.script.seen.append((operation, status))
        raw = b"" if body is None else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", self.contract.json_content_type)
        handler.send_header("Content-Length", str(len(raw)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(raw)

    def _decide(self, handler: BaseHTTPRequestHandler, operation: str) -> tuple[int, Any, dict[str, str]]:
        contract, script = self.contract, self.script
        if script.forbid or (script.refuse_after_send and self._sent):
            return 403, self.error_body(403), {}
        auth = contract.auth
        if handler.headers.get(auth.header) != auth.value(self.key):
            return 401, self.error_body(401), {}
        limits = self._limit_headers()
        preflight = PREFLIGHT_ID in handler.path
        with self._lock:
            left = 0 if preflight else script.throttle.get(operation, 0)
            if left > 0:
                script.throttle[operation] = left - 1
        if left > 0:
            wait = {contract.rate_limits.retry_after_header: f"{script.retry_after_s:g}"}
            return 429, self.error_body(429), {**limits, **wait}
        parts = urlsplit(handler.path)
        if parts.path == BASE_PATH + contract.webhooks.registration.path:
            return self._webhook(handler)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        channel = query.get(contract.channel_param)
        if operation == "send":
            sent = next((c for c, p in contract.send_paths.items() if BASE_PATH + p == parts.path), None)
            if sent is None:
                return 404, self.error_body(404), limits
            try:
                request = json.loads(getattr(handler, "body", b""))
            except ValueError:
                request = None
            if contract.schema_errors(contract.schema_file("send_request"), request):
                return 400, self.error_body(400), limits
            with self._lock:
                self._ids += 1
                message_id = f"STUB-{self._ids}"
                self._sent.add((message_id, sent))
                if self._ids <= script.fail_messages:
                    self._failing.add(message_id)
            body = {contract.send.id: message_id}
            if contract.send.channel:
                body[contract.send.channel] = sent
            return 201, body, limits
        if parts.path == BASE_PATH + contract.batch_path:
            return 200, self.batch_body(), limits  # the preflight's: nothing it asks for exists here
        prefix = BASE_PATH + contract.lookup_path.split("{", 1)[0]
        message_id = unquote(parts.path[len(prefix) :])
        if not parts.path.startswith(prefix) or channel is None or (message_id, channel) not in self._sent:
            return 404, self.error_body(404), limits
        return 200, self.status_body(message_id, channel), limits

    def _webhook(self, handler: BaseHTTPRequestHandler) -> tuple[int, Any, dict[str, str]]:
        """The registration: GET, POST (409 when one exists), PUT (404 when none), DELETE."""
        codes, names, script = self.contract.codes, self.contract.webhooks.registration, self.script
        method = handler.command
        with self._lock:
            there = script.webhook is not None
            if method == "DELETE":
                script.webhook = None
                return (codes.no_content if there else codes.not_found), None, {}
            if method in ("POST", "PUT"):
                if (method == "POST") == there:
                    return (codes.conflict if there else codes.not_found), self.error_body(409), {}
                if script.refuse_callback:
                    return codes.bad_request, self.error_body(400), {}
                script.webhook = json.loads(getattr(handler, "body", b"{}"))[names.callback_url]
            if script.webhook is None:
                return codes.not_found, self.error_body(404), {}
            body = {names.id: "WH-1", names.callback_url: script.webhook, names.status: names.active}
            return (codes.created if method == "POST" else codes.ok), body, {}

    def _limit_headers(self) -> dict[str, str]:
        limits = self.contract.rate_limits
        if not limits.enabled:
            return {}
        return {limits.limit_header: "50", limits.remaining_header: "49"}

    def batch_body(self) -> Any:
        """A batch answer that found none of the ids, in the contract's shape."""
        batch = self.contract.batch
        if batch.array or batch.statuses is None:
            return []
        return {batch.statuses: [], **({batch.not_found: []} if batch.not_found else {})}

    def status_body(self, message_id: str, channel: str) -> dict[str, Any]:
        body = status_body(self.contract, message_id, channel)
        if message_id in self._failing:
            body[self.contract.fields.status] = self.contract.recipients["expired"].final_status
        return body

    def error_body(self, status: int) -> dict[str, Any]:
        return error_body(self.contract, status, retry_after_s=self.script.retry_after_s)


def status_body(contract: Contract, message_id: str, channel: str) -> dict[str, Any]:
    """A delivered message, as the contract names its fields."""
    names = contract.fields
    final = contract.recipients[contract.default_outcome].final_status
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        names.id: message_id,
        names.channel: channel,
        names.status: final,
        names.description: None,
        names.updated_at: now,
    }


def error_body(contract: Contract, status: int, *, retry_after_s: float = 0.05) -> dict[str, Any]:
    """The contract's error body (the 429's, with how long to wait) for `status`."""
    reason = REASONS.get(status, "Error")
    body: dict[str, Any] = {}
    for role, name in contract.error.fields.items():
        if name == contract.error.status_field:
            body[name] = status
        elif role == "code":
            body[name] = reason.upper().replace(" ", "_")
        else:
            body[name] = f"{reason} (stub)"
    if status == contract.codes.too_many_requests and contract.rate_limits.retry_after_field:
        body[contract.rate_limits.retry_after_field] = retry_after_s
    return body
