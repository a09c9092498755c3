"""Defects of rate limiting: the 429's body, its headers, throttling too early or never.

They apply where the dialect has rate limits, and show only while one is on.
"""

from __future__ import annotations

import json
from dataclasses import replace

from gatewatch.simulator.defects._support import rate_limited
from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.http import HTML_TYPE, Headers, Response, encode
from gatewatch.simulator.ratelimit import Decision, KeyLimiter
from gatewatch.simulator.stages import Stages

# throttle_early refuses beyond this share of the configured limit.
_EARLY_DIVISOR = 4


@defect(
    name="rate_limit_no_retry_after",
    rule="rate_limit_body",
    description="The 429 body lacks the retry-after field (the Retry-After header is still sent).",
    applies=rate_limited,
    needs_rate_limit=True,
)
def rate_limit_no_retry_after(st: Stages) -> Stages:
    inner = st.render_throttled
    field = st.context.contract.rate_limits.retry_after_field

    def render_throttled(st: Stages, decision: Decision) -> Response:
        answer = inner(st, decision)
        payload = json.loads(answer.body)
        if isinstance(payload, dict):
            payload.pop(field, None)
        return Response(answer.status, encode(payload), answer.content_type, answer.headers)

    return replace(st, render_throttled=render_throttled)


@defect(
    name="rate_limit_html",
    rule="rate_limit_body",
    description="The 429 is an HTML page (text/html), not the JSON rate-limit body.",
    applies=rate_limited,
    needs_rate_limit=True,
)
def rate_limit_html(st: Stages) -> Stages:
    inner = st.render_throttled

    def render_throttled(st: Stages, decision: Decision) -> Response:
        answer = inner(st, decision)
        page = f"<html><body><h1>{answer.status} Too Many Requests</h1></body></html>".encode()
        return Response(answer.status, page, HTML_TYPE, answer.headers)

    return replace(st, render_throttled=render_throttled)


@defect(
    name="throttle_early",
    rule="throttled_below_limit",
    description="Keys are throttled at a quarter of the configured limit (the headers report all of it).",
    applies=rate_limited,
    needs_rate_limit=True,
)
def throttle_early(st: Stages) -> Stages:
    inner = st.rate_limit
    limit = st.limit
    quarter = KeyLimiter(
        None if limit.per_minute is None else max(1, limit.per_minute // _EARLY_DIVISOR),
        None if limit.per_second is None else max(1, limit.per_second // _EARLY_DIVISOR),
        clock=st.rate_clock,
    )

    def rate_limit(st: Stages, key: str) -> Decision:
        decision = inner(st, key)
        early = quarter.hit(key)
        if decision.allowed and not early.allowed:
            return replace(decision, allowed=False, retry_after_s=early.retry_after_s)
        return decision

    return replace(st, rate_limit=rate_limit)


@defect(
    name="rate_limit_never",
    rule="rate_limit_enforced",
    description="The limit is never enforced: no 429, though the headers are sent (remaining stays at 0).",
    applies=rate_limited,
    needs_rate_limit=True,
)
def rate_limit_never(st: Stages) -> Stages:
    inner = st.rate_limit

    def rate_limit(st: Stages, key: str) -> Decision:
        return replace(inner(st, key), allowed=True, retry_after_s=0)

    return replace(st, rate_limit=rate_limit)


@defect(
    name="rate_limit_headers_missing",
    rule="rate_limit_headers",
    description="The X-RateLimit-Limit and X-RateLimit-Remaining headers are never sent.",
    applies=rate_limited,
    needs_rate_limit=True,
)
def rate_limit_headers_missing(st: Stages) -> Stages:
    def limit_headers(st: Stages, decision: Decision) -> Headers:
        return ()

    return replace(st, limit_headers=limit_headers)
