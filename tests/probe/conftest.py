"""Fixtures of the probe's tests: a fast simulator, a fake clock and a scripted fake gateway.

Unit tests of the engine run on `FakeClock` (waits advance time, nothing sleeps) against
`FakeGateway`, whose message moves through a scripted path in fake time. Tests that need
HTTP use an in-process simulator whose lifecycle steps every `STEP_S`, or `StubGateway`
(stub_gateway.py) for the refusals a simulator does not script: 403s, 429 bursts.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from gatewatch.contract import Contract, default_contract
from gatewatch.core.errors import TargetUnreachable
from gatewatch.core.exchange import Exchange, RecordedRequest, RecordedResponse, Throttle
from gatewatch.probe.polling import Backoff
from gatewatch.probe.settings import ChannelPlan, ProbeSettings

from .stub_gateway import StubGateway, error_body

if TYPE_CHECKING:
    from gatewatch.simulator import Simulator

# The simulator's lifecycle step in these tests: DELIVERED after 2 steps.
STEP_S = 0.05
EPOCH0 = 1_800_000_000.0
JSON = (("Content-Type", "application/json"),)

# Probe flags that suit the fast simulator (the deadline leaves room for 2 steps).
FAST_FLAGS = [
    "--initial-delay",
    "20ms",
    "--first-interval",
    "20ms",
    "--deadline",
    "1s",
]


# -- a fake clock -----------------------------------------------------------------------


class FakeClock:
    """Monotonic and wall time that only move when someone waits; `stop_at` simulates SIGTERM."""

    def __init__(self, stop_at: float | None = None) -> None:
        self.now = 0.0
        self.stop_at = stop_at
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return EPOCH0 + self.now

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        if self.stop_at is not None and self.now + seconds >= self.stop_at:
            self.now = max(self.now, self.stop_at)
            return True
        self.now += max(0.0, seconds)
        return self.stopping

    def advance(self, seconds: float) -> None:
        self.now += seconds

    @property
    def stopping(self) -> bool:
        return self.stop_at is not None and self.now >= self.stop_at


# -- a scripted gateway -----------------------------------------------------------------


def stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def exchange(
    operation: str,
    status: int,
    body: object,
    *,
    message_id: str | None = None,
    channel: str | None = None,
    elapsed: float = 0.0,
    raw: bytes | None = None,
    throttled: tuple[Throttle, ...] = (),
    rate_limit: str | None = None,
) -> Exchange:
    data = raw if raw is not None else json.dumps(body).encode()
    return Exchange(
        operation=operation,  # type: ignore[arg-type]
        request=RecordedRequest("GET" if operation == "lookup" else "POST", "http://fake/api", ()),
        response=RecordedResponse(status=status, headers=JSON, body=data, elapsed_s=elapsed),
        message_id=message_id,
        channel=channel,
        throttled=throttled,
        rate_limit=rate_limit,
    )


def throttle(contract: Contract, *, waited_s: float = 0.05, under_limit: bool | None = None) -> Throttle:
    """A 429 the client waited out; `under_limit` True: it came while the probe was within its pace."""
    body = json.dumps(error_body(contract, contract.codes.too_many_requests)).encode()
    answer = RecordedResponse(contract.codes.too_many_requests, JSON, body, 0.001)
    return Throttle(answer, waited_s, 1, 1, under_limit)


# A hook may replace any lookup's answer: return an Exchange, raise, or return None for the normal one.
LookupHook = Callable[[int, "FakeGateway"], Exchange | None]


@dataclass
class FakeGateway:
    """One message moving along `path` ((seconds after the send, status), ...) in fake time."""

    clock: FakeClock
    path: list[tuple[float, str]] = field(
        default_factory=lambda: [(0.0, "SENT"), (0.2, "RECEIVED"), (0.4, "DELIVERED")]
    )
    contract: Contract = field(default_factory=default_contract)
    latency: float = 0.004
    send_status: int = 201
    send_raises: Exception | None = None
    reason: str | None = None
    server_skew: float = 0.0  # seconds the server's clock is ahead
    lookup_hook: LookupHook | None = None
    message_id: str = "GW-fake-1"
    sent_at: float | None = None
    lookups: int = 0
    sends: int = 0

    def send(self, channel: str, to: str, text: str) -> Exchange:
        self.sends += 1
        if self.send_raises is not None:
            raise self.send_raises
        self.clock.advance(self.latency / 2)
        self.sent_at = self.clock.now
        self.clock.advance(self.latency / 2)
        shape = self.contract.send
        if self.send_status in shape.success_codes:
            body: dict[str, Any] = {shape.id: self.message_id}
            if shape.channel:
                body[shape.channel] = channel
        else:
            body = error_body(self.contract, self.send_status)
        return exchange("send", self.send_status, body, channel=channel, elapsed=self.latency)

    def step(self, now: float) -> tuple[float, str]:
        assert self.sent_at is not None
        current = self.path[0]
        for at, status in self.path:
            if now - self.sent_at >= at:
                current = (at, status)
        return current

    def body(self, channel: str, now: float) -> dict[str, Any]:
        at, status = self.step(now)
        assert self.sent_at is not None
        reason = self.reason if status in self.contract.needs_reason else None
        names = self.contract.fields
        return {
            names.id: self.message_id,
            names.channel: channel,
            names.status: status,
            names.description: reason,
            names.updated_at: stamp(EPOCH0 + self.sent_at + at + self.server_skew),
        }

    def lookup(self, message_id: str, channel: str | None) -> Exchange:
        self.lookups += 1
        if self.lookup_hook is not None:
            replaced = self.lookup_hook(self.lookups, self)
            if replaced is not None:
                self.clock.advance(self.latency)
                return replaced
        self.clock.advance(self.latency / 2)
        body = self.body(channel or "", self.clock.now)
        self.clock.advance(self.latency / 2)
        return exchange("lookup", 200, body, message_id=message_id, channel=channel, elapsed=self.latency)


def drop(connected: bool = True) -> TargetUnreachable:
    return TargetUnreachable("GET http://fake/api: ConnectionError: dropped", connected=connected)


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def contract() -> Contract:
    return default_contract()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def gateway(clock: FakeClock) -> FakeGateway:
    return FakeGateway(clock)


def plan(
    channel: str = "SMS", to: str = "+393400000001", *, delay: float = 0.1, deadline: float = 10.0
) -> ChannelPlan:
    return ChannelPlan(channel=channel, to=to, initial_delay_s=delay, deadline_s=deadline)


def settings(*plans: ChannelPlan, **changes: Any) -> ProbeSettings:
    values: dict[str, Any] = {"backoff": Backoff(), "transport_retry_delay_s": 0.05}
    values.update(changes)
    return ProbeSettings(plans=plans or (plan(),), **values)


@pytest.fixture(scope="session")
def probe_simulator() -> Iterator[Simulator]:
    # Imported here: the engine's unit tests must not need the simulator to import.
    from gatewatch.simulator import Simulator, SimulatorConfig

    # Plain-http loopback callbacks: the webhook tests register the probe's receiver.
    config = SimulatorConfig(step_s=STEP_S, control=True, allow_http_loopback_webhooks=True)
    with Simulator(config) as sim:
        yield sim


@pytest.fixture
def sim(probe_simulator: Simulator) -> Iterator[Simulator]:
    probe_simulator.reset()
    yield probe_simulator
    probe_simulator.reset()


def require_binary(name: str) -> str:
    """The path of `name`; in CI (CI set) a missing binary fails, locally it skips."""
    found = shutil.which(name)
    if found:
        return found
    packages = "prometheus prometheus-pushgateway prometheus-alertmanager"
    message = f"{name} is not installed (Debian: apt-get install {packages})"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must install it")
    pytest.skip(message)


def read_history(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# -- the CLI, in process ----------------------------------------------------------------


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def probe_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `gatewatch probe ARGS` in this process; the exit code and what it printed."""
    from gatewatch.cli import main

    def invoke(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            main(["probe", *args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        else:  # main always exits
            code = -1
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


def write_targets(
    path: Path, base_url: str, *, kind: str = "local", extra: str = "", rate_limit: str = "none"
) -> Path:
    """A targets file with one target, `sim`, tuned for the fast simulator.

    Its rate limit is none unless told (a production kind would otherwise assume the
    documented plan, and expect the rate-limit headers the simulator sends only when limited).
    """
    path.write_text(
        f"""
[targets.sim]
kind = "{kind}"
base_url = "{base_url}"
rate_limit = "{rate_limit}"
retry_delays_s = [0.02, 0.05]
deadlines_s = {{ default = 1.0 }}
initial_delay_s = {{ default = 0.02 }}
timeouts = {{ connect_s = 1.0, read_s = 2.0 }}
{extra}
"""
    )
    return path


@pytest.fixture
def sim_target(sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Flags that point the probe at the fast simulator with key-a."""
    monkeypatch.setenv("GATEWATCH_API_KEY", "key-a")
    targets = write_targets(tmp_path / "targets.toml", sim.base_url)
    return ["--config", str(targets), "--target", "sim", "--first-interval", "20ms"]


@pytest.fixture(autouse=True)
def _own_reports_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test in its own folder: a run without --history appends to ./reports/probe/,
    and one test's unsettled messages must not be followed up by the next."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(params=["vendor", "strict"])
def dialect(request: pytest.FixtureRequest) -> str:
    """Each shipped dialect in turn."""
    name: str = request.param
    return name


@pytest.fixture
def gateway_stub(dialect: str) -> Iterator[StubGateway]:
    """A stub gateway speaking `dialect`, on loopback."""
    from gatewatch.contract import resolve_contract

    with StubGateway(resolve_contract(dialect)) as server:
        yield server


@pytest.fixture
def stub_target(gateway_stub: StubGateway, dialect: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Flags that point the probe at the stub with its key, in its dialect."""
    monkeypatch.setenv("GATEWATCH_API_KEY", gateway_stub.key)
    return ["--base-url", gateway_stub.base_url, "--contracts", dialect, *FAST_FLAGS, "--channel", "SMS"]
