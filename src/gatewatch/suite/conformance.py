"""Rate-limit conformance: a deliberate burst past the per-second limit, then recovery.

Run once, at the end of a suite run (its test module sorts last), when the contract has
rate limits, the target has a per-second limit the harness may exceed on purpose, and
the target may be sent traffic. The burst is `2 x per_second` lookups of an unknown id,
unpaced and not waiting on 429s, sent over up to `per_second` concurrent connections (at
most `MAX_CONNECTIONS`): one request after another from one connection can only pass 50
a second when the gateway answers within 20 ms, which a remote gateway never does, while
`per_second` requests in flight at once pass the limit at any answer time under a second.
Among the answers before the limit, `X-RateLimit-Remaining` must go down (judged without
their order, which concurrent answers do not keep). Then the harness waits as the 429
said (bounded) and looks up once more: the key must work again.

The burst's requests are recorded by the run's pacer like any other (the gateway counted
them), on a client of their own whose pool holds the burst's connections, so the run's
own client and its connection pool are left as they were. When the burst still never got
above the limit and saw no 429 (answers slower than a second), nothing was shown either
way, and the rule is reported skipped with that reason rather than failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass

from gatewatch.checks import Findings, burst_findings, expect_unknown_id, recovery_findings
from gatewatch.contract.operations import Operation
from gatewatch.core.client import GatewayClient
from gatewatch.core.errors import TargetUnreachable
from gatewatch.core.exchange import Exchange
from gatewatch.core.ratelimit import retry_after_s
from gatewatch.suite.session import SuiteSession

BURST_ID = "gatewatch-rate-limit-burst"
BURST_FACTOR = 2
RATE_LIMIT_RULES = ("rate_limit_enforced", "rate_limit_body", "rate_limit_headers", "throttled_below_limit")
# How long to wait for room in the trailing minute before the burst, at most.
MAX_ROOM_WAIT_S = 65.0
# The most connections the burst opens at once (threads, and sockets to the target).
MAX_CONNECTIONS = 50
# The whole burst's time bound: each request also has the target's own timeouts.
BURST_DEADLINE_S = 30.0
_WINDOW_S = 1.0


def rate_limit_skip_reason(gw: SuiteSession) -> str | None:
    """Why the rate-limit rules cannot be exercised by this run at all, or None when they can."""
    if not gw.contract.rate_limits.enabled:
        return f"the {gw.contract.dialect} dialect has no rate limits"
    if not gw.rate_limited:
        return (
            "no rate limit configured for the target (--rate-limit, or rate_limit in the targets file), "
            "so nothing is paced or checked against one"
        )
    return None


def burst_skip_reason(gw: SuiteSession) -> str | None:
    """Why the deliberate burst is not sent, or None when it is."""
    general = rate_limit_skip_reason(gw)
    if general is not None:
        return general
    limit = gw.target.rate_limit
    ceiling = gw.contract.rate_limits.conformance_max_per_second
    if limit.per_second is None:
        return f"the target's rate limit ({limit}) has no per-second limit to burst past"
    if limit.per_second > ceiling:
        return (
            f"the target's per-second limit {limit.per_second} is above {ceiling} "
            "(rate_limits.harness.conformance_max_per_second): no deliberate burst that large"
        )
    if not gw.may_send:
        return "production target: read-only without --allow-production (no deliberate burst)"
    return None


@dataclass(frozen=True, slots=True)
class BurstResult:
    """What the burst and the recovery showed."""

    findings: Findings
    #: Set when the burst showed nothing either way (it never got past the limit).
    inconclusive: str | None
    burst: tuple[Exchange, ...]
    peak_per_second: int


def run_burst(
    gw: SuiteSession,
    channel: str,
    *,
    verify: Callable[[Exchange, Findings | None], None],
    sleep: Callable[[float], None] = time.sleep,
) -> BurstResult:
    """Wait for room, burst past the per-second limit, judge it, wait as told, look up again.

    `verify` is called with every answer and what it should be (an unknown id's 404, or
    nothing for a 429): the registered checks judge 429 bodies and headers there. The
    burst's own verdicts (a 429 came, remaining went down, the key recovered) are in the
    result.
    """
    contract = gw.contract
    limit = gw.target.rate_limit
    per_second = limit.per_second or 1
    count = BURST_FACTOR * per_second
    connections = burst_connections(per_second, count)
    # A deliberate wait for room in the trailing windows, not a race: without it the
    # burst's first 429 could be the run's earlier traffic, not the burst.
    sleep(min(MAX_ROOM_WAIT_S, gw.pacer.room(count)))
    with gw.burst_client(connections) as client:
        timed = send_concurrently(lambda: _unpaced_lookup(client, gw, channel), count, connections)
    burst = [exchange for _, exchange in timed]
    stamps = [stamp for stamp, _ in timed]
    for exchange in burst:
        verify(exchange, _expected(gw, exchange))
    peak = peak_per_second(stamps)
    first_429 = next((ex for ex in burst if ex.status == contract.codes.too_many_requests), None)
    if first_429 is None and peak <= per_second:
        return BurstResult(
            Findings(),
            f"the burst reached only {peak} requests a second ({connections} connections, "
            f"{_median_ms(burst):.0f} ms an answer), not past the {per_second}/s limit: "
            "enforcement could be neither shown nor refuted",
            tuple(burst),
            peak,
        )
    found = burst_findings(contract, burst, limit)
    if first_429 is not None:
        # The last 429 speaks for the state after the whole burst (a gateway may count
        # refused requests too), so its wait is the one to honour.
        last_429 = next(ex for ex in reversed(burst) if ex.status == contract.codes.too_many_requests)
        waited = _told_wait(gw, last_429)
        sleep(waited)
        again = _unpaced_lookup(gw.client, gw, channel)
        verify(again, _expected(gw, again))
        found += recovery_findings(contract, again, waited)
    return BurstResult(found, None, tuple(burst), peak)


def burst_connections(per_second: int, count: int) -> int:
    """Connections for a burst of `count` past `per_second`.

    A second's allowance in flight at once passes the limit at any answer time under a
    second; above MAX_CONNECTIONS (a per-second limit over 50) the answers must come
    within MAX_CONNECTIONS / per_second of a second.
    """
    return max(1, min(count, per_second, MAX_CONNECTIONS))


def send_concurrently(
    send: Callable[[], Exchange], count: int, connections: int, *, deadline_s: float = BURST_DEADLINE_S
) -> list[tuple[float, Exchange]]:
    """`count` calls of `send` over `connections` threads: (when each answered, the answer), in answer order.

    Bounded: exactly `count` calls, each with the client's timeouts, and the whole burst
    within `deadline_s` (calls not started by then are cancelled, and the burst is then
    said to be unreachable rather than judged on part of its answers).
    """

    def timed() -> tuple[float, Exchange]:
        exchange = send()
        return time.monotonic(), exchange

    with ThreadPoolExecutor(max_workers=connections, thread_name_prefix="gatewatch-burst") as pool:
        futures = [pool.submit(timed) for _ in range(count)]
        done, pending = wait(futures, timeout=deadline_s, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
        for future in done:
            future.result()  # a request's own error (the target went away) ends the burst here
        if pending:
            raise TargetUnreachable(
                f"the rate-limit burst of {count} requests did not finish within {deadline_s:g} s",
                connected=True,
            )
    return sorted((future.result() for future in futures), key=lambda pair: pair[0])


def _unpaced_lookup(client: GatewayClient, gw: SuiteSession, channel: str) -> Exchange:
    """A lookup of the burst's unknown id, sent at once, its 429 kept as the answer."""
    return client.request(
        "GET",
        client.lookup_path(BURST_ID),
        params={gw.contract.channel_param: channel},
        operation=Operation.LOOKUP,
        message_id=BURST_ID,
        channel=channel,
        paced=False,
        wait_on_throttle=False,
    )


def _expected(gw: SuiteSession, exchange: Exchange) -> Findings | None:
    """What a burst answer should be: an unknown id's, unless it is a 429 (judged by its own rules)."""
    if exchange.status == gw.contract.codes.too_many_requests:
        return None
    return expect_unknown_id(exchange, gw.contract)


def _told_wait(gw: SuiteSession, throttled: Exchange) -> float:
    """Seconds the 429 said to wait (retryAfter, else the headers), bounded by max_wait_s."""
    limits = gw.contract.rate_limits
    told = retry_after_s(
        throttled.response.headers,
        throttled.response.json_or_none(),
        body_field=limits.retry_after_field,
        header_names=limits.wait_headers(),
    )
    # Nothing said: one second, the shortest window a per-second limit can mean.
    return min(limits.max_wait_s, _WINDOW_S if told is None else told)


def peak_per_second(stamps: list[float]) -> int:
    """The most requests completed within any one second."""
    peak, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] > _WINDOW_S:  # bounded: start only moves forward
            start += 1
        peak = max(peak, end - start + 1)
    return peak


def _median_ms(burst: list[Exchange]) -> float:
    elapsed = sorted(ex.response.elapsed_s for ex in burst)
    return elapsed[len(elapsed) // 2] * 1000 if elapsed else 0.0
