"""The contract suite's engine, used by the tests in tests/contract through the pytest plugin.

Modules::

    plugin        options, the session fixture, reports and exit codes (pytest's side)
    options       the suite's pytest options, mirroring `gatewatch contract`'s flags
    opening       target and contract, embedded simulator, preflight: what can stop a run
    session       verdicts: every check and expectation, what was judged and broken
    profiles      ci and deep, and the plan of a run's requests under a rate limit
    conformance   the rate-limit burst (concurrent) and recovery, and when they cannot be run
    precedence    error-precedence cases built from the contract's order
    diagnose      drift diagnosis that needs a request (the batch parameter's other name)
    fleet         the messages a run sends up front, and following one to its outcome
    strategies    what the suite sends: hostile ids, channels, send bodies
    report        summary.json, the rule table, JUnit properties; allure_glue: Allure steps
"""

from __future__ import annotations

from gatewatch.suite.fleet import Fleet, Message, follow, send_fleet
from gatewatch.suite.session import ContractViolation, SuiteSession

__all__ = ["ContractViolation", "Fleet", "Message", "SuiteSession", "follow", "send_fleet"]
