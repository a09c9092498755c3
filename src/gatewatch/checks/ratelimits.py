"""The rate-limit rules: the 429's body, the X-RateLimit headers, and 429s the harness did not earn.

A 429 is never a contract failure by itself (gateway-api.md pins that the client waits and
counts it). It breaks a rule when its body or headers are not the documented ones, or when
it came while the harness's own rate was within its pacing target (throttled_below_limit).
The burst that shows the limit is enforced at all is the suite's; its verdicts are here.
"""

from __future__ import annotations

from collections.abc import Sequence

from gatewatch.checks.registry import Findings, check, findings, violation
from gatewatch.checks.response import error_problems
from gatewatch.contract import Contract
from gatewatch.core.exchange import Exchange, RecordedResponse
from gatewatch.core.ratelimit import RateLimit, header_int


def _problems_429(answer: RecordedResponse, contract: Contract) -> list[str]:
    limits = contract.rate_limits
    if answer.media_type != contract.json_content_type:
        return [
            f"the {answer.status} is {answer.media_type!r}, not {contract.json_content_type}: "
            f"{answer.text(120)!r}"
        ]
    return error_problems(answer, contract, limits.body_schema or contract.error.schema)


@check("rate_limit_body")
def throttle_body_is_documented(exchange: Exchange, contract: Contract) -> list[str] | None:
    """Every 429 carries the documented body (status, error, message, retryAfter) as JSON."""
    if not contract.rate_limits.enabled or not exchange.throttled:
        return None
    return [p for t in exchange.throttled for p in _problems_429(t.response, contract)]


def _exempt(exchange: Exchange, contract: Contract) -> bool:
    """Answers that need not carry the headers: before the key is read, refused keys, 5xx."""
    codes = contract.codes
    status = exchange.status
    return (
        status in contract.http_layer_codes
        or status in (codes.payload_too_large, codes.unauthorized, codes.forbidden)
        or status >= codes.server_error
    )


@check("rate_limit_headers")
def rate_limit_headers_are_sent(exchange: Exchange, contract: Contract) -> list[str] | None:
    """An answer to a valid key carries the limit and remaining headers: integers, remaining <= limit."""
    limits = contract.rate_limits
    if not limits.enabled or not exchange.keyed or exchange.rate_limit is None or _exempt(exchange, contract):
        return None
    headers = exchange.response.headers
    found = []
    values: dict[str, int] = {}
    for name in limits.required_headers:
        raw = exchange.response.header(name)
        value = header_int(headers, name)
        if raw is None:
            found.append(f"no {name} header on a {exchange.status} to a valid key")
        elif value is None:
            found.append(f"{name}: {raw!r} is not a non-negative integer")
        else:
            values[name] = value
    limit, remaining = values.get(limits.limit_header), values.get(limits.remaining_header)
    if limit is not None and remaining is not None and remaining > limit:
        found.append(f"{limits.remaining_header} {remaining} > {limits.limit_header} {limit}")
    return found


@check("throttled_below_limit")
def throttled_only_above_the_limit(exchange: Exchange, contract: Contract) -> list[str] | None:
    """A 429 that came while the harness was within its pacing target is the gateway's fault."""
    judged = [t for t in exchange.throttled if t.under_limit is not None]
    if not contract.rate_limits.enabled or not judged:
        return None
    return [
        f"429 while the harness had made {t.own_per_second} request(s) in the last second and "
        f"{t.own_per_minute} in the last minute, within {contract.rate_limits.pace_fraction:.0%} of the "
        f"configured {exchange.rate_limit}"
        for t in judged
        if t.under_limit
    ]


def burst_findings(contract: Contract, burst: Sequence[Exchange], limit: RateLimit) -> Findings:
    """A deliberate burst past the per-second limit: a 429 came, and remaining went down meanwhile."""
    limits = contract.rate_limits
    found = findings(contract, ["rate_limit_enforced", "rate_limit_headers"])
    sent = len(burst)
    if not any(ex.status == contract.codes.too_many_requests for ex in burst):
        found += findings(
            contract,
            [],
            [
                violation(
                    contract,
                    "rate_limit_enforced",
                    f"{sent} requests in a burst past the {limit} limit, and not one 429",
                    burst[-1] if burst else None,
                    "burst",
                )
            ],
        )
    # The burst's requests are concurrent: their answers come in no reliable order, so
    # "remaining went down" is judged on the set of values the accepted answers reported.
    accepted = [ex for ex in burst if ex.status != contract.codes.too_many_requests]
    seen = [
        r for ex in accepted if (r := header_int(ex.response.headers, limits.remaining_header)) is not None
    ]
    if len(seen) >= 2 and min(seen) >= max(seen):
        found += findings(
            contract,
            [],
            [
                violation(
                    contract,
                    "rate_limit_headers",
                    f"{limits.remaining_header} did not go down as {len(accepted)} requests were "
                    f"accepted: {sorted(set(seen), reverse=True)[:12]}",
                    accepted[-1],
                    "burst",
                )
            ],
        )
    return found


def recovery_findings(contract: Contract, after_wait: Exchange, waited_s: float) -> Findings:
    """After waiting as the 429 said, the key works again."""
    if after_wait.status != contract.codes.too_many_requests:
        return findings(contract, ["rate_limit_enforced"])
    return findings(
        contract,
        ["rate_limit_enforced"],
        [
            violation(
                contract,
                "rate_limit_enforced",
                f"still 429 after waiting {waited_s:.1f} s as the 429 said",
                after_wait,
                "recovery",
            )
        ],
    )
