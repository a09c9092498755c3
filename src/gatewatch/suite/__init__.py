"""The contract suite's engine: session and verdicts, fleet, strategies, reports, pytest plugin."""

from __future__ import annotations

from gatewatch.suite.fleet import Fleet, Message, follow, send_fleet
from gatewatch.suite.session import ContractViolation, SuiteSession

__all__ = ["ContractViolation", "Fleet", "Message", "SuiteSession", "follow", "send_fleet"]
