"""Checks that need to know what was asked: the answer a request should get, and batch context.

The contract suite, the load test and the probe build an expectation from what they sent
(a known id on another channel, an unknown id, no key) and call these.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from gatewatch.checks.registry import Findings, violation
from gatewatch.checks.response import status_bodies
from gatewatch.contract import Contract
from gatewatch.exchange import Exchange


def expect_status(
    exchange: Exchange, contract: Contract, rule: str, codes: Collection[int], why: str
) -> Findings:
    """A violation of `rule` unless the answer's code is one of `codes`."""
    if exchange.status in codes:
        return Findings([rule])
    detail = ""
    bodies = status_bodies(exchange)
    if bodies:
        detail = f" (deliveryStato {bodies[0].get('deliveryStato')!r})"
    return Findings(
        [rule],
        [
            violation(
                contract,
                rule,
                f"{why}: expected {' or '.join(map(str, sorted(codes)))}, got {exchange.status}{detail}",
                exchange,
                "expect_status",
            )
        ],
    )


def expect_found(exchange: Exchange, contract: Contract) -> Findings:
    """A sent id looked up on its own channel by its own company is found."""
    return expect_status(exchange, contract, "sent_id_found", {200}, "a sent id on its channel")


def expect_other_channel(exchange: Exchange, contract: Contract) -> Findings:
    """A sent id looked up with another channel is 404."""
    return expect_status(exchange, contract, "channel_scoped", {404}, "a sent id on another channel")


def expect_other_company(exchange: Exchange, contract: Contract) -> Findings:
    """Another company's id is 404, as if it did not exist."""
    return expect_status(exchange, contract, "company_scoped", {404}, "another company's id")


def expect_unknown_id(exchange: Exchange, contract: Contract) -> Findings:
    """An id that does not exist is 404 (or 400, 414, 431), never 200 and never 5xx."""
    return expect_status(
        exchange, contract, "unknown_id_not_found", contract.unknown_id_codes, "an unknown id"
    )


def expect_unauthorized(exchange: Exchange, contract: Contract, why: str) -> Findings:
    """A request without a valid key is 401."""
    return expect_status(exchange, contract, "auth_required", {401}, why)


def expect_bad_request(exchange: Exchange, contract: Contract, rule: str, why: str) -> Findings:
    """A request that breaks a parameter or body rule is 400."""
    return expect_status(exchange, contract, rule, {400}, why)


def expect_send_accepted(exchange: Exchange, contract: Contract) -> Findings:
    """A valid send answers a success code with an id."""
    found = expect_status(exchange, contract, "send_accepted", contract.send_success_codes, "a valid send")
    if found:
        return found
    body = exchange.response.json_or_none()
    message_id = body.get("customerMessageId") if isinstance(body, dict) else None
    if not isinstance(message_id, str) or not message_id:
        found.append(
            violation(
                contract,
                "send_accepted",
                "a successful send carried no customerMessageId",
                exchange,
                "expect_send_accepted",
            )
        )
    return found


def sent_id(exchange: Exchange) -> str | None:
    """The customerMessageId a send answer carries, if any."""
    body = exchange.response.json_or_none()
    value = body.get("customerMessageId") if isinstance(body, dict) else None
    return value if isinstance(value, str) and value else None


def batch_agrees_with_singles(exchange: Exchange, contract: Contract, singles: Mapping[str, str]) -> Findings:
    """Batch entries agree with single lookups made just before (`singles`: id -> status)."""
    found = Findings(["batch_agrees_with_single"])
    if exchange.status != 200:
        return found
    entries = {str(e.get("customerMessageId")): e for e in status_bodies(exchange)}
    for message_id, before in singles.items():
        entry = entries.get(message_id)
        if entry is None:
            found.append(
                violation(
                    contract,
                    "batch_agrees_with_single",
                    f"{message_id!r} was found by a single lookup ({before}) but not by the batch",
                    exchange,
                    "batch_agrees_with_singles",
                )
            )
            continue
        after = entry.get("deliveryStato")
        if not isinstance(after, str) or not contract.reachable(before, after):
            found.append(
                violation(
                    contract,
                    "batch_agrees_with_single",
                    f"{message_id!r}: batch says {after!r}, not reachable from the single lookup's "
                    f"{before!r}",
                    exchange,
                    "batch_agrees_with_singles",
                )
            )
    return found


def batch_excludes(exchange: Exchange, contract: Contract, foreign: Collection[str], why: str) -> Findings:
    """Ids of another channel or company are in notFound, never in statuses."""
    leaked = sorted({str(e.get("customerMessageId")) for e in status_bodies(exchange)} & set(foreign))
    found = Findings(["batch_scoped"])
    if leaked:
        found.append(
            violation(
                contract,
                "batch_scoped",
                f"{why}: {leaked[:5]} returned in statuses",
                exchange,
                "batch_excludes",
            )
        )
    return found


def expect_error_answer(
    exchange: Exchange, contract: Contract, rule: str, codes: Collection[int], why: str
) -> Findings:
    """`codes` with the error body, for answers outside the three operations (paths, methods)."""
    found = expect_status(exchange, contract, rule, codes, why)
    found = found + Findings(["content_type_json", "error_body"])
    if exchange.response.media_type != contract.json_content_type:
        found.append(
            violation(
                contract,
                "content_type_json",
                f"{why}: Content-Type is {exchange.response.media_type!r}",
                exchange,
                "expect_error_answer",
            )
        )
    body = exchange.response.json_or_none()
    problems = contract.schema_errors("error-body.json", body) if body is not None else ["not JSON"]
    found.extend(
        violation(contract, "error_body", f"{why}: {p}", exchange, "expect_error_answer") for p in problems
    )
    return found
