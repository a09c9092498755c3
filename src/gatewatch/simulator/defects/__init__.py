"""Named contract violations the simulator can switch on, to prove the harness catches them.

Each area has its module (auth, bodies, scoping, timeline, batch, error_bodies, send);
each defect is one function registered with `@defect`. See registry.py for how they
install themselves by wrapping the stages of stages.py.
"""

from __future__ import annotations

from gatewatch.simulator.defects.registry import (
    DefectSpec,
    catalogue,
    defect,
    install,
    registered,
    resolve,
)

__all__ = ["DefectSpec", "catalogue", "defect", "install", "registered", "resolve"]
