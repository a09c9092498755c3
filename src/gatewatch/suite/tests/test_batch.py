"""The batch lookup: each id once, agreement with single lookups, scoping, limits.

The shape (an array of found entries, or an object with found and not-found lists), the
parameter name, the separator and the limits are the contract's: strict refuses more
than `max_ids` with 400; the vendor's dialect answers up to `max_ids` with 200 and more
with any of `over_limit_codes`.
"""

from __future__ import annotations

from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatewatch.checks import (
    Findings,
    batch_agrees_with_singles,
    batch_excludes,
    expect_bad_request,
    expect_send_accepted,
    expect_status,
    findings,
    sent_id,
    status_bodies,
    violation,
)
from gatewatch.core.config import KnownId
from gatewatch.core.exchange import Exchange
from gatewatch.suite import SuiteSession
from gatewatch.suite.diagnose import batch_param_drift
from gatewatch.suite.strategies import unknown_ids

FOCUS = {"batch_entries", "batch_agrees_with_single", "batch_scoped"}
# Requests one example makes: a single lookup of each picked id (a few), then the batch.
EXAMPLE_COST = 4


def _singles(gw: SuiteSession, ids: list[str], channel: str) -> dict[str, str]:
    """Single lookups of `ids` made just before a batch: id -> status."""
    found: dict[str, str] = {}
    for message_id in ids:
        exchange = gw.verify(gw.client.lookup(message_id, channel), focus=FOCUS)
        bodies = status_bodies(exchange, gw.contract)
        if bodies:
            found[message_id] = str(bodies[0].get(gw.contract.fields.status))
    return found


def expect_batch_ok(
    gw: SuiteSession, exchange: Exchange, ids: list[str], channel: str, rule: str
) -> Findings:
    """A valid batch answers 200; when it got 400, say whether the parameter's other name works."""
    found = expect_status(exchange, gw.contract, rule, {gw.contract.codes.ok}, f"a batch of {len(ids)} ids")
    if not found:
        return found
    drift = batch_param_drift(gw.client, gw.contract, exchange, ids, channel)
    if drift is None:
        return found
    line, _ = drift
    return findings(gw.contract, [rule], [violation(gw.contract, rule, line, exchange, "batch_param_drift")])


def expect_no_entries_for(exchange: Exchange, gw: SuiteSession, unknown: list[str]) -> Findings:
    """Ids that match no message get no entry (the vendor leaves them out; strict lists them as not found)."""
    name = gw.contract.fields.id
    returned = sorted({str(e.get(name)) for e in status_bodies(exchange, gw.contract)} & set(unknown))
    problems = [
        violation(
            gw.contract, "batch_entries", f"ids that match no message came back as entries: {returned[:5]}"
        )
    ]
    return findings(gw.contract, ["batch_entries"] if unknown else [], problems if returned else [])


@pytest.mark.gw_rules("batch_entries", "batch_agrees_with_single", "batch_scoped")
@pytest.mark.gw_examples(EXAMPLE_COST)
def test_batch_lists_each_id_once_and_agrees(
    gw: SuiteSession, known: list[KnownId], elsewhere: list[KnownId], on_target: str
) -> None:
    mine = [k.id for k in known]
    others = [k.id for k in elsewhere]
    separator = gw.contract.batch.separator
    unknown = unknown_ids().filter(lambda i: separator not in i and i.strip() == i and i not in mine)

    @gw.generated(cost=EXAMPLE_COST)
    @given(
        picked=st.lists(st.sampled_from(mine), min_size=1, max_size=len(mine)),
        strangers=st.lists(unknown, max_size=3),
        foreign=st.lists(st.sampled_from(others), max_size=2) if others else st.just([]),
        order=st.integers(0, 2**16),
    )
    @gw.bounded
    def check(picked: list[str], strangers: list[str], foreign: list[str], order: int) -> None:
        ids = picked + strangers + foreign
        Random(order).shuffle(ids)
        singles = _singles(gw, sorted(set(picked)), on_target)
        exchange = gw.client.batch(ids, on_target)
        gw.verify(
            exchange,
            expect_batch_ok(gw, exchange, ids, on_target, "batch_entries"),
            batch_agrees_with_singles(exchange, gw.contract, singles),
            batch_excludes(exchange, gw.contract, set(foreign), "ids of another channel"),
            # Another channel's ids match no message of this channel either.
            expect_no_entries_for(exchange, gw, strangers + foreign),
            focus=FOCUS,
        )

    check()


@pytest.mark.gw_rules("batch_entries")
def test_a_batch_of_unknown_ids_is_empty_not_404(gw: SuiteSession, on_target: str) -> None:
    ids = [f"gatewatch-unknown-{i}" for i in range(3)]
    exchange = gw.client.batch(ids, on_target)
    gw.verify(exchange, expect_batch_ok(gw, exchange, ids, on_target, "batch_entries"))
    entries = status_bodies(exchange, gw.contract)
    if entries:
        gw.fail(
            [violation(gw.contract, "batch_entries", f"entries for unknown ids: {entries[:3]}", exchange)]
        )


@pytest.mark.gw_rules("batch_scoped")
def test_batch_does_not_return_another_companys_ids(
    gw: SuiteSession, known: list[KnownId], on_target: str, recipient: str
) -> None:
    if gw.second_client is None:
        gw.skip_rules(["batch_scoped"], "no second company's key (GATEWATCH_SECOND_API_KEY)")
        pytest.skip("no second company's key: set GATEWATCH_SECOND_API_KEY to check tenant isolation")
    mine = [k.id for k in known]
    exchange = gw.second_client.batch(mine, on_target)
    gw.verify(
        exchange,
        batch_excludes(exchange, gw.contract, set(mine), "another company's ids"),
        expect_no_entries_for(exchange, gw, mine),
    )
    # The other way round needs the second company's message to exist (not a dry run).
    if gw.delivers:
        sent = gw.second_client.send(on_target, recipient, "gatewatch tenant isolation")
        gw.verify(sent, expect_send_accepted(sent, gw.contract, dry_run=False))
        theirs = sent_id(sent, gw.contract)
        assert theirs is not None
        exchange = gw.client.batch([*mine, theirs], on_target)
        gw.verify(
            exchange,
            batch_excludes(exchange, gw.contract, {theirs}, "another company's id"),
            expect_no_entries_for(exchange, gw, [theirs]),
        )


@pytest.mark.gw_rules("batch_limits")
def test_batch_limits_are_enforced(gw: SuiteSession, some_id: KnownId, on_target: str) -> None:
    contract = gw.contract
    limit = contract.batch.max_ids
    sep = contract.batch.separator
    real = some_id.id
    too_many = [real] + [f"gatewatch-unknown-{i}" for i in range(limit)]
    cases = [
        ("no ids", dict(ids=[], channel=on_target)),
        ("an empty id list", dict(ids=[], channel=on_target, raw_ids="")),
        ("an empty element", dict(ids=[], channel=on_target, raw_ids=f"{real}{sep}{sep}x")),
        ("a trailing separator", dict(ids=[], channel=on_target, raw_ids=f"{real}{sep}")),
        ("no channel", dict(ids=[real], channel=None)),
        ("a wrong-case channel", dict(ids=[real], channel=on_target.lower())),
    ]
    for why, kwargs in cases:
        exchange = gw.client.batch(**kwargs)  # type: ignore[arg-type]
        gw.verify(exchange, expect_bad_request(exchange, contract, "batch_limits", f"a batch with {why}"))
    at_limit = too_many[:limit]
    exchange = gw.client.batch(at_limit, on_target)
    gw.verify(
        exchange,
        expect_batch_ok(gw, exchange, at_limit, on_target, "batch_limits"),
        expect_no_entries_for(exchange, gw, [i for i in at_limit if i != some_id.id]),
    )
    # Over the limit: strict refuses (400); the vendor has no hard limit (200, 414 or 431).
    exchange = gw.client.batch(too_many, on_target)
    gw.verify(
        exchange,
        expect_status(
            exchange, contract, "batch_limits", contract.batch.over_limit_codes, f"a batch of {limit + 1} ids"
        ),
    )
