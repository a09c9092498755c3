"""The embedded gateway simulator: the contract's API served from memory, for tests.

Layers, imports pointing down only (tests/simulator/test_module_graph.py: no cycle)::

    server       Simulator: uvicorn in a background thread (start/stop, port 0)
    edge         the HTTP layer's size limits and the drop hook
    app          the raw ASGI app: reads the body up to the limit, routes, runs the faults
    control      /_control/ (runtime faults, defects and rate limit, reset, true timelines)
    handlers     Dispatcher (checkpoints judged in order, then the answer) and the three answers
    checkpoints  one per precedence role; a request's typed call (LookupCall, BatchCall,
                 SendCall) or each role's refusal
    defects/     named contract violations, each replacing one or two stages
    faults       latency, 500s, drops, garbage: composable pieces around a handler
    stages       the conforming behaviour, as replaceable functions (rate limit included)
    routes       the router: a Match (operation, channel, path id), WrongMethod or UnknownPath
    auth, render, errors, names   who calls; bodies by role; error kinds; the contract's names
    ratelimit, store, lifecycle, config, operations
    http         immutable Request, Response, Headers, Query (imports nothing of the simulator)

Everything it serves (paths, field, parameter and header names, codes, channels,
statuses, limits, the error precedence, test recipients) is read from a
`gatewatch.contract.Contract`, so either dialect (or an edited copy) is served as is.
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
