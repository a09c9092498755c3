"""When the rate-limit burst is sent, and when not (each reason precise); how its rate is measured."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gatewatch.contract import resolve_contract
from gatewatch.core.config import Keys, local_target
from gatewatch.core.ratelimit import NO_LIMIT, RateLimit
from gatewatch.core.secrets import Secret
from gatewatch.suite import SuiteSession
from gatewatch.suite.conformance import burst_skip_reason, peak_per_second, rate_limit_skip_reason

VENDOR = resolve_contract("vendor")


def _session(
    limit: RateLimit, *, dialect: str = "vendor", kind: str = "local", allow: bool = False
) -> SuiteSession:
    contract = resolve_contract(dialect)
    target = replace(local_target(contract, "http://127.0.0.1:9/api"), rate_limit=limit, kind=kind)
    return SuiteSession(
        contract=contract,
        target=target,
        keys=Keys(primary=Secret("key-a"), second=None),
        base_url="http://127.0.0.1:9/api",
        allow_production=allow,
    )


def test_the_burst_is_sent_within_the_ceiling() -> None:
    assert burst_skip_reason(_session(VENDOR.rate_limits.plans["production"])) is None
    ceiling = VENDOR.rate_limits.conformance_max_per_second
    assert burst_skip_reason(_session(RateLimit(per_second=ceiling))) is None


@pytest.mark.parametrize(
    ("limit", "options", "says"),
    [
        (NO_LIMIT, {}, "no rate limit configured"),
        (RateLimit(per_minute=1000), {}, "has no per-second limit"),
        (RateLimit(per_second=500), {}, "per-second limit 500 is above 100"),
        (RateLimit(per_second=50), {"kind": "production"}, "production target: read-only"),
        (RateLimit(per_second=50), {"dialect": "strict"}, "the strict dialect has no rate limits"),
    ],
)
def test_otherwise_the_reason_is_precise(limit: RateLimit, options: dict[str, str], says: str) -> None:
    reason = burst_skip_reason(_session(limit, **options))
    assert reason is not None and says in reason


def test_production_may_be_burst_with_the_opt_in() -> None:
    assert burst_skip_reason(_session(RateLimit(per_second=50), kind="production", allow=True)) is None


def test_the_header_and_body_rules_need_only_a_configured_limit() -> None:
    assert rate_limit_skip_reason(_session(RateLimit(per_second=500))) is None
    assert "no rate limit configured" in str(rate_limit_skip_reason(_session(NO_LIMIT)))


def test_the_peak_rate_is_the_most_answers_within_one_second() -> None:
    assert peak_per_second([]) == 0
    assert peak_per_second([0.0, 0.1, 0.2, 1.5, 1.6]) == 3
    assert peak_per_second([i * 0.01 for i in range(150)]) == 101
