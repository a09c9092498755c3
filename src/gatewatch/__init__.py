"""gatewatch: contract tests, load tests and a synthetic probe for a partner gateway's status API.

The public API is what `__all__` lists; everything else is internal and may change.
The simulator (`gatewatch.simulator`), the suite (`gatewatch.suite`), the load test
(`gatewatch.loadtest`) and the probe (`gatewatch.probe`) are imported on demand.
"""

from __future__ import annotations

from gatewatch.checks import Findings, LifecycleTracker, Violation, run_checks
from gatewatch.contract import Contract, default_contract, load_contract, resolve_contract
from gatewatch.core.client import GatewayClient
from gatewatch.core.config import Run, Target, Timeouts, read_keys, resolve_run, resolve_target
from gatewatch.core.errors import (
    ConfigError,
    ContractError,
    ExitCode,
    GatewatchError,
    KeyRejected,
    NotAllowed,
    ProductionRefused,
    TargetUnreachable,
)
from gatewatch.core.exchange import Exchange, Throttle
from gatewatch.core.preflight import preflight
from gatewatch.core.ratelimit import Pacer, RateLimit
from gatewatch.core.secrets import Secret

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Contract",
    "ContractError",
    "Exchange",
    "ExitCode",
    "Findings",
    "GatewatchError",
    "GatewayClient",
    "KeyRejected",
    "LifecycleTracker",
    "NotAllowed",
    "Pacer",
    "ProductionRefused",
    "RateLimit",
    "Run",
    "Secret",
    "Target",
    "TargetUnreachable",
    "Throttle",
    "Timeouts",
    "Violation",
    "__version__",
    "default_contract",
    "load_contract",
    "preflight",
    "read_keys",
    "resolve_contract",
    "resolve_run",
    "resolve_target",
    "run_checks",
]
