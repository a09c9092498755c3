"""What one Locust process holds for the load test: settings, target, ids, recorder, gates.

Locust runs one Environment per process (``--processes`` forks before any of this is
created), so the state is per process: each worker has its own ids and recorder, and the
master's recorder holds the merged results.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gatewatch.contract import Contract
from gatewatch.core.config import Target
from gatewatch.core.secrets import Secret
from gatewatch.loadtest.gates import Slo
from gatewatch.loadtest.kinds import KINDS, request_name, throttled_name
from gatewatch.loadtest.recorder import Recorder
from gatewatch.loadtest.settings import LoadSettings
from gatewatch.loadtest.setup import KnownIds


@dataclass(slots=True)
class ProcessState:
    """The load test's state in this process."""

    settings: LoadSettings
    contract: Contract
    recorder: Recorder = field(default_factory=Recorder)
    target: Target | None = None
    slo: Slo | None = None
    known: KnownIds | None = None
    # Header name -> value, the key included: handed to the HTTP client only, never logged.
    auth_headers: dict[str, str] = field(default_factory=dict, repr=False)
    # The keys those headers carry: what is redacted from every answer before it is judged.
    secrets: tuple[Secret, ...] = field(default=(), repr=False)
    rate_per_user: float = 0.0
    table: str = ""
    workers_seen: set[str] = field(default_factory=set)  # master: workers that reported
    names: dict[str, str] = field(default_factory=dict)
    throttled_names: dict[str, str] = field(default_factory=dict)
    # Open model with --ramp-past-limit: when the ramp ends (epoch s, set by the master).
    ramp_end: float | None = None

    def __post_init__(self) -> None:
        self.use_contract(self.contract)

    def use_contract(self, contract: Contract) -> None:
        """Judge by `contract` from now on (a worker learns the run's contract at test start)."""
        self.contract = contract
        self.names = {key: request_name(contract, key) for key in KINDS}
        self.throttled_names = {key: throttled_name(contract, key) for key in KINDS}


class _Slot:
    """Holds the one state of this process (a holder, so no module global is rebound)."""

    state: ProcessState | None = None


def set_state(state: ProcessState) -> None:
    """Make `state` the load-test state of this process."""
    _Slot.state = state


def current_state() -> ProcessState | None:
    """The load-test state of this process, or None before Locust's init event."""
    return _Slot.state
