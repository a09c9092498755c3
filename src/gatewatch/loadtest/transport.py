"""The users' HTTP: geventhttpclient's HTTPClient, one connection pool per user, no session layer.

Locust's FastHttpUser wraps this client in a user agent and a session (URL joining and
splitting, header merging, a response copied into a context manager, a cookie jar):
about as much CPU per request as the HTTP exchange itself, which is what bounds what one
worker process can drive. The users here call the client directly and fire Locust's
`request` event themselves (users.py), so Locust's statistics and gatewatch's recorder
see every request as before.

An answer that never came (refused, reset, timed out) is an `Answer` with status 0 and
the error, never an exception: the user records it as a failed request and goes on.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any

from geventhttpclient import HTTPClient
from geventhttpclient.url import URL

#: The socket's errors (timeouts, resets, TLS) and the HTTP parser's: an answer that did not come.
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (OSError, HTTPException)


@dataclass(frozen=True, slots=True)
class Answer:
    """One request's outcome: status 0 and `error` when nothing usable came back."""

    status: int
    body: bytes
    started_at: float  # epoch seconds, when the request was handed to the client
    elapsed_s: float  # from then to the last byte of the body
    error: BaseException | None = None
    response: Any = None  # geventhttpclient's response: its headers, read only when needed

    def headers(self) -> tuple[tuple[str, str], ...]:
        """The answer's headers as received (none without an answer)."""
        return tuple(self.response.items()) if self.response is not None else ()


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
        self.client = HTTPClient.from_url(
            url,
            concurrency=max(1, concurrency),
            connection_timeout=connect_s,
            network_timeout=read_s,
            headers=dict(headers),
        )

    def get(self, path: str) -> Answer:
        """GET `path` (query included) under the base URL and read the whole answer."""
        started_at = time.time()
        began = time.perf_counter()
        try:
            response = self.client.get(self.prefix + path)
            body = response.read()
        except TRANSPORT_ERRORS as exc:
            # The traceback would keep the half-read response (and its socket) alive.
            return Answer(0, b"", started_at, time.perf_counter() - began, exc.with_traceback(None))
        return Answer(response.status_code, body, started_at, time.perf_counter() - began, None, response)

    def close(self) -> None:
        """Close every connection."""
        self.client.close()
