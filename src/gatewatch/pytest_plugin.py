"""The pytest plugin gatewatch registers: the contract suite's options and fixtures.

Kept thin: the suite lives in gatewatch.suite, the simulator in gatewatch.simulator.
"""

from __future__ import annotations

pytest_plugins = ["gatewatch.suite.plugin"]
