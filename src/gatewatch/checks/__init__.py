"""The contract's rules as small named checks, shared by the suite, the load test and the probe.

- `run_checks`: every registered per-answer check (codes, content types, shapes, echoes).
- `expect_*`: checks that need to know what was asked (scoping, unknown ids, auth, limits).
- `LifecycleTracker`: the rules across answers (allowed moves, final statuses, updatedAt).
"""

from __future__ import annotations

from gatewatch.checks import response as _response  # noqa: F401  (registers the checks)
from gatewatch.checks.expect import (
    batch_agrees_with_singles,
    batch_excludes,
    expect_bad_request,
    expect_error_answer,
    expect_found,
    expect_other_channel,
    expect_other_company,
    expect_send_accepted,
    expect_status,
    expect_unauthorized,
    expect_unknown_id,
    sent_id,
)
from gatewatch.checks.registry import REGISTRY, Check, Findings, Violation, check, run_checks, violation
from gatewatch.checks.response import parse_updated_at, status_bodies
from gatewatch.checks.tracker import LifecycleTracker

__all__ = [
    "REGISTRY",
    "Check",
    "Findings",
    "LifecycleTracker",
    "Violation",
    "batch_agrees_with_singles",
    "batch_excludes",
    "check",
    "expect_bad_request",
    "expect_error_answer",
    "expect_found",
    "expect_other_channel",
    "expect_other_company",
    "expect_send_accepted",
    "expect_status",
    "expect_unauthorized",
    "expect_unknown_id",
    "parse_updated_at",
    "run_checks",
    "sent_id",
    "status_bodies",
    "violation",
]
