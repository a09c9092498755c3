"""Rate limits: past the per-second limit the key gets the documented 429, then recovers.

This module sorts last (conftest.py): the burst exhausts the key's per-second window on
purpose, and nothing may run after it that the harness would then have to wait out.
Every other answer of the run already judged rate_limit_headers (when a limit is
configured) and every 429 rate_limit_body and throttled_below_limit.
"""

from __future__ import annotations

import pytest

from gatewatch.checks import Findings
from gatewatch.core.exchange import Exchange
from gatewatch.suite import SuiteSession
from gatewatch.suite.conformance import RATE_LIMIT_RULES, burst_skip_reason, run_burst


@pytest.mark.gw_rules("rate_limit_enforced", "rate_limit_body", "throttled_below_limit")
def test_the_rate_limit_is_enforced_and_recovers(gw: SuiteSession) -> None:
    reason = burst_skip_reason(gw)
    if reason is not None:
        # rate_limit_headers was judged by every keyed answer if a limit is configured.
        gw.skip_rules([r for r in RATE_LIMIT_RULES if r != "rate_limit_headers"], reason)
        pytest.skip(reason)

    def verify(exchange: Exchange, expected: Findings | None) -> None:
        # focus=(): every violation is recorded and fails the test at its end, so one bad
        # 429 does not stop the burst half way (and the recovery is still judged).
        gw.verify(exchange, expected, focus=())

    result = run_burst(gw, gw.target.channels[0], verify=verify)
    if result.inconclusive is not None:
        gw.skip_rules(
            ["rate_limit_enforced", "rate_limit_body", "throttled_below_limit"], result.inconclusive
        )
        pytest.skip(result.inconclusive)
    gw.judge(result.findings)
