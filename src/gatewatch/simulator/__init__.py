"""The embedded gateway simulator: the contract's API served from memory, for tests.

Layers, imports pointing down only::

    server     Simulator: uvicorn in a background thread (start/stop, port 0)
    app        the raw ASGI app: size limit, routing, 405, faults, then a handler
    control    /_control/ (runtime faults and defects, reset, true timelines)
    handlers   send, lookup, batch: the stages in the order of error precedence
    defects/   named contract violations, each wrapping one or two stages
    faults     latency, 500s, drops, garbage: composable pieces around a handler
    stages     the conforming behaviour, as replaceable functions
    store, lifecycle, config, wire

Everything it serves (paths, channels, statuses, limits, test recipients) is read from
a `gatewatch.contract.Contract`.
"""

from __future__ import annotations

from gatewatch.simulator.config import DEFAULT_API_KEYS, Faults, SimulatorConfig, keys_from_env
from gatewatch.simulator.defects import DefectSpec, catalogue, defect
from gatewatch.simulator.lifecycle import Step
from gatewatch.simulator.server import Simulator
from gatewatch.simulator.store import Message

__all__ = [
    "DEFAULT_API_KEYS",
    "DefectSpec",
    "Faults",
    "Message",
    "Simulator",
    "SimulatorConfig",
    "Step",
    "catalogue",
    "defect",
    "keys_from_env",
]
