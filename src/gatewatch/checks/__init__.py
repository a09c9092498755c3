"""The contract's rules as small named checks, shared by the suite, the load test and the probe.

- `run_checks`: every registered per-answer check (codes, content types, shapes, echoes,
  rate-limit bodies and headers); returns the violations and the rules it judged.
- `expect_*`: checks that need to know what was asked (scoping, unknown ids, auth, limits).
- `webhooks`: the registration's expectations (one per account, 201/200/204/404/409/400).
- `LifecycleTracker`: the rules across answers (allowed moves, final statuses, updatedAt).
- `drift`: one-line diagnoses when an answer uses the vendor's other name for a field.
"""

from __future__ import annotations

from gatewatch.checks import ratelimits as _ratelimits  # noqa: F401  (registers the checks)
from gatewatch.checks import response as _response  # noqa: F401  (registers the checks)
from gatewatch.checks.drift import name_drift, rename_hint
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
from gatewatch.checks.ratelimits import burst_findings, recovery_findings
from gatewatch.checks.registry import (
    REGISTRY,
    Check,
    Findings,
    Violation,
    check,
    findings,
    run_checks,
    violation,
)
from gatewatch.checks.response import batch_entries, parse_updated_at, status_bodies
from gatewatch.checks.tracker import LifecycleTracker
from gatewatch.checks.webhook_registration import (
    expect_conflict,
    expect_deleted,
    expect_no_webhook,
    expect_refused_callback,
    expect_registration,
    expect_unchanged,
    registration_of,
)

__all__ = [
    "REGISTRY",
    "Check",
    "Findings",
    "LifecycleTracker",
    "Violation",
    "batch_agrees_with_singles",
    "batch_entries",
    "batch_excludes",
    "burst_findings",
    "check",
    "expect_bad_request",
    "expect_conflict",
    "expect_deleted",
    "expect_error_answer",
    "expect_found",
    "expect_no_webhook",
    "expect_other_channel",
    "expect_other_company",
    "expect_refused_callback",
    "expect_registration",
    "expect_send_accepted",
    "expect_status",
    "expect_unauthorized",
    "expect_unchanged",
    "expect_unknown_id",
    "findings",
    "name_drift",
    "parse_updated_at",
    "recovery_findings",
    "registration_of",
    "rename_hint",
    "run_checks",
    "sent_id",
    "status_bodies",
    "violation",
]
