"""The locustfile `gatewatch load` runs: the gateway users and the SLO plugin.

Locust picks user classes up from this module's names; importing the plugin registers
its options and event listeners (once per process).
"""

from __future__ import annotations

from gatewatch.loadtest.plugin import install
from gatewatch.loadtest.users import GatewayUser

install()

__all__ = ["GatewayUser"]
