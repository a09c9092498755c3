"""gatewatch: contract tests, load tests and a synthetic probe for a partner gateway's status API.

The public API is what `__all__` lists; everything else is internal and may change.
The simulator (`gatewatch.simulator`), the suite (`gatewatch.suite`), the load test
(`gatewatch.loadtest`) and the probe (`gatewatch.probe`) are imported on demand.
"""

from __future__ import annotations

from gatewatch.checks import LifecycleTracker, Violation, run_checks
from gatewatch.client import GatewayClient
from gatewatch.config import Target, Timeouts, read_keys, resolve_target
from gatewatch.contract import Contract, default_contract, load_contract
from gatewatch.errors import (
    ConfigError,
    ContractError,
    ExitCode,
    GatewatchError,
    ProductionRefused,
    TargetUnreachable,
)
from gatewatch.exchange import Exchange
from gatewatch.secrets import Secret

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Contract",
    "ContractError",
    "Exchange",
    "ExitCode",
    "GatewatchError",
    "GatewayClient",
    "LifecycleTracker",
    "ProductionRefused",
    "Secret",
    "Target",
    "TargetUnreachable",
    "Timeouts",
    "Violation",
    "__version__",
    "default_contract",
    "load_contract",
    "read_keys",
    "resolve_target",
    "run_checks",
]
