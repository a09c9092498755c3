"""Checks that need to know what was asked: the answer a request should get, and batch context.

The contract suite, the load test and the probe build an expectation from what they sent
(a known id on another channel, an unknown id, no key) and call these.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping

from gatewatch.checks.registry import Findings, findings, violation
from gatewatch.checks.response import error_problems, status_bodies
from gatewatch.contract import Contract
from gatewatch.core.exchange import Exchange


def expect_status(
    exchange: Exchange, contract: Contract, rule: str, codes: Collection[int], why: str
) -> Findings:
    """A violation of `rule` unless the answer's code is one of `codes` (nothing if `rule` is off)."""
    if exchange.status in codes:
        return findings(contract, [rule])
    detail = ""
    bodies = status_bodies(exchange, contract)
    if bodies:
        name = contract.fields.status
        detail = f" ({name} {bodies[0].get(name)!r})"
    return findings(
        contract,
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
    return expect_status(exchange, contract, "sent_id_found", {contract.codes.ok}, "a sent id on its channel")


def expect_other_channel(exchange: Exchange, contract: Contract) -> Findings:
    """A sent id looked up with another channel is 404."""
    return expect_status(
        exchange, contract, "channel_scoped", {contract.codes.not_found}, "a sent id on another channel"
    )


def expect_other_company(exchange: Exchange, contract: Contract) -> Findings:
    """Another company's id is 404, as if it did not exist."""
    return expect_status(
        exchange, contract, "company_scoped", {contract.codes.not_found}, "another company's id"
    )


def expect_unknown_id(exchange: Exchange, contract: Contract) -> Findings:
    """An id that does not exist is 404 (or 400, 414, 431), never 200 and never 5xx."""
    return expect_status(
        exchange, contract, "unknown_id_not_found", contract.unknown_id_codes, "an unknown id"
    )


def expect_unauthorized(exchange: Exchange, contract: Contract, why: str) -> Findings:
    """A request without a valid key is 401."""
    return expect_status(exchange, contract, "auth_required", {contract.codes.unauthorized}, why)


def expect_bad_request(exchange: Exchange, contract: Contract, rule: str, why: str) -> Findings:
    """A request that breaks a parameter or body rule is 400."""
    return expect_status(exchange, contract, rule, {contract.codes.bad_request}, why)


def expect_send_accepted(exchange: Exchange, contract: Contract, *, dry_run: bool | None = None) -> Findings:
    """A valid send answers a success code with an id (and the channel and dry-run echo right)."""
    found = expect_status(exchange, contract, "send_accepted", contract.send.success_codes, "a valid send")
    if found or not contract.enabled("send_accepted"):
        return found
    shape = contract.send
    body = exchange.response.json_or_none()
    if sent_id(exchange, contract) is None:
        found.append(
            violation(
                contract,
                "send_accepted",
                f"a successful send carried no {shape.id}",
                exchange,
                "expect_send_accepted",
            )
        )
    if shape.channel and isinstance(body, dict) and shape.channel_required and shape.channel not in body:
        found.append(
            violation(
                contract,
                "send_accepted",
                f"a successful send carried no {shape.channel}",
                exchange,
                "expect_send_accepted",
            )
        )
    echo = shape.dry_run_answer
    if dry_run is not None and echo and isinstance(body, dict) and echo in body:
        asked, sent = dry_run_asked(exchange, contract, dry_run)
        if body[echo] is not asked:
            found.append(
                violation(
                    contract,
                    "send_accepted",
                    f"{echo} is {json.dumps(body[echo])} in the answer to {sent}",
                    exchange,
                    "expect_send_accepted",
                )
            )
    return found


def dry_run_asked(exchange: Exchange, contract: Contract, default: bool) -> tuple[bool, str]:
    """Whether a send asked for a dry run, and what it sent to say so (`default` when its body is unknown).

    Read from the request body, so a message says what was really sent: no dry-run field
    at all is not the same as the field set to false.
    """
    name = contract.send.dry_run
    sent = _json_or_none(exchange.request.body)
    if name is None or not isinstance(sent, dict):
        return default, f"a send meant {'as a dry run' if default else 'to be delivered'}"
    if name not in sent:
        return False, f"a send with no {name} field"
    return sent[name] is True, f"a send with {name}: {json.dumps(sent[name])}"


def _json_or_none(raw: bytes | None) -> object:
    if raw is None:
        return None
    try:
        parsed: object = json.loads(raw)
    except ValueError:
        return None
    return parsed


def sent_id(exchange: Exchange, contract: Contract) -> str | None:
    """The id a send answer carries, if any."""
    body = exchange.response.json_or_none()
    value = body.get(contract.send.id) if isinstance(body, dict) else None
    return value if isinstance(value, str) and value else None


def batch_agrees_with_singles(exchange: Exchange, contract: Contract, singles: Mapping[str, str]) -> Findings:
    """Batch entries agree with single lookups made just before (`singles`: id -> status)."""
    found = findings(contract, ["batch_agrees_with_single", "batch_entries"] if singles else [])
    if exchange.status != contract.codes.ok:
        return found
    name = contract.fields.id
    entries = {str(e.get(name)): e for e in status_bodies(exchange, contract)}
    for message_id, before in singles.items():
        entry = entries.get(message_id)
        if entry is None:
            # An id that exists left out of the batch: the batch's own completeness rule.
            found += findings(
                contract,
                [],
                [
                    violation(
                        contract,
                        "batch_entries",
                        f"{message_id!r} was found by a single lookup ({before}), not by the batch",
                        exchange,
                        "batch_agrees_with_singles",
                    )
                ],
            )
            continue
        after = entry.get(contract.fields.status)
        if (not isinstance(after, str) or not contract.reachable(before, after)) and contract.enabled(
            "batch_agrees_with_single"
        ):
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
    """Ids of another channel or company never come back as entries."""
    name = contract.fields.id
    leaked = sorted({str(e.get(name)) for e in status_bodies(exchange, contract)} & set(foreign))
    found = findings(contract, ["batch_scoped"] if foreign else [])
    if leaked and contract.enabled("batch_scoped"):
        found.append(
            violation(
                contract,
                "batch_scoped",
                f"{why}: {leaked[:5]} returned as entries",
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
    found = found + findings(contract, ["content_type_json", "error_body"])
    if exchange.response.media_type != contract.json_content_type and contract.enabled("content_type_json"):
        found.append(
            violation(
                contract,
                "content_type_json",
                f"{why}: Content-Type is {exchange.response.media_type!r}",
                exchange,
                "expect_error_answer",
            )
        )
    if contract.enabled("error_body"):
        problems = error_problems(exchange.response, contract, contract.error.schema)
        found.extend(
            violation(contract, "error_body", f"{why}: {p}", exchange, "expect_error_answer")
            for p in problems
        )
    return found
