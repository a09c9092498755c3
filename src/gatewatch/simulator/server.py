"""`Simulator`: the embedded gateway on a uvicorn server in a background thread.

Works without pytest: ``with Simulator() as sim: requests.get(sim.base_url + ...)``.
The socket is bound in the caller's thread (so port 0 is resolved, and a busy port fails
right there), then uvicorn (uvloop + httptools, no access log) serves it in a daemon
thread until `stop()`. The HTTP edge (edge.py) refuses requests over the config's size
limits in the contract's error body.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

import uvicorn

from gatewatch.contract import Contract, default_contract
from gatewatch.core.errors import ConfigError
from gatewatch.core.ratelimit import RateLimit
from gatewatch.simulator import edge
from gatewatch.simulator.app import GatewayApp
from gatewatch.simulator.config import Faults, SimulatorConfig, WebhookFaults
from gatewatch.simulator.store import Message

_POLL_S = 0.01


class Simulator:
    """An in-process gateway simulator serving the contract's API over HTTP."""

    def __init__(
        self,
        config: SimulatorConfig | None = None,
        contract: Contract | None = None,
        *,
        rate_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Serve `contract` (default: the default dialect) as `config` says.

        `rate_clock` is the rate limiter's clock (monotonic seconds); tests pass a fake one.
        """
        self.config = config or SimulatorConfig()
        self.contract = contract or default_contract()
        self.app = GatewayApp(self.contract, self.config, rate_clock=rate_clock)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self._failure: BaseException | None = None

    # -- lifecycle ----------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> Simulator:
        """Listen and serve in a background thread; return once it accepts connections."""
        if self.running:
            return self
        sock = self._bind()
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            loop="uvloop",
            http=edge.protocol_for(
                edge.limits(self.config.max_target_bytes, self.config.max_header_bytes, self.app.render)
            ),
            ws="none",
            lifespan="off",
            access_log=False,
            log_config=None,
            log_level="warning",
            server_header=False,
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(config)
        self._server = server
        self._failure = None
        self._thread = threading.Thread(
            target=self._serve, args=(server, sock), name="gatewatch-simulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop(timeout=1.0)
                raise RuntimeError(f"the simulator did not start within {timeout} s") from self._failure
            time.sleep(_POLL_S)
        return self

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.config.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.config.host, self.config.port))
        except OSError as exc:
            sock.close()
            raise ConfigError(
                f"cannot listen on {self.config.host}:{self.config.port}: {exc.strerror}",
                key="host/port",
            ) from None
        sock.set_inheritable(True)
        return sock

    def _serve(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported by start(); a thread has nobody else to tell
            self._failure = exc
        finally:
            sock.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait (up to `timeout`) for the server thread to end."""
        server, thread = self._server, self._thread
        self.app.close(timeout)
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout)
        self._server = None
        self._thread = None

    @property
    def running(self) -> bool:
        """True while the server thread is serving."""
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- where --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port listened on (known once started)."""
        if self._port is None:
            raise RuntimeError("the simulator has not been started")
        return self._port

    @property
    def url(self) -> str:
        """The server root, e.g. http://127.0.0.1:41234 (the control endpoint lives here)."""
        host = self.config.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base URL, e.g. http://127.0.0.1:41234/api."""
        return self.url + self.config.base_path

    # -- behaviour ----------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """The faults switched on now."""
        return self.app.faults

    @property
    def defects(self) -> tuple[str, ...]:
        """The defects switched on now."""
        return self.app.defects

    def set_faults(self, faults: Faults | None = None, **settings: Any) -> None:
        """Switch faults: a `Faults`, or its fields as keywords (none: switch all off)."""
        self.app.set_faults(faults if faults is not None else Faults(**settings))

    def set_defects(self, names: Iterable[str]) -> None:
        """Switch on exactly the defects `names` (empty: conforming again)."""
        self.app.set_defects(names)

    @property
    def rate_limit(self) -> RateLimit:
        """The rate limit applied per key now."""
        return self.app.rate_limit

    def set_rate_limit(self, limit: RateLimit) -> None:
        """Limit each key to `limit` (NO_LIMIT: off); every key starts afresh.

        ConfigError for a dialect without rate limits.
        """
        self.app.set_rate_limit(limit)

    def reset(self) -> None:
        """Forget every message; go back to the faults, defects and rate limit it was configured with."""
        self.app.reset()

    @property
    def webhook_faults(self) -> WebhookFaults:
        """The delivery webhooks' faults on now."""
        return self.app.webhook_faults

    def set_webhook_faults(self, faults: WebhookFaults | None = None, **settings: Any) -> None:
        """Switch the delivery webhooks' faults: a `WebhookFaults`, or its fields as keywords."""
        self.app.set_webhook_faults(faults if faults is not None else WebhookFaults(**settings))

    def message(self, message_id: str) -> Message | None:
        """A sent message with its true timeline (`.steps`), or None when unknown."""
        return self.app.message(message_id)
