"""The batch lookup: each id once in one list, agreement with single lookups, scoping, limits."""

from __future__ import annotations

from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatewatch.checks import (
    batch_agrees_with_singles,
    batch_excludes,
    expect_bad_request,
    expect_send_accepted,
    expect_status,
    sent_id,
)
from gatewatch.config import KnownId
from gatewatch.suite import SuiteSession
from gatewatch.suite.strategies import unknown_ids

FOCUS = {"batch_partition", "batch_agrees_with_single", "batch_scoped"}


def _singles(gw: SuiteSession, ids: list[str], channel: str) -> dict[str, str]:
    """Single lookups of `ids` made just before a batch: id -> status."""
    found: dict[str, str] = {}
    for message_id in ids:
        exchange = gw.verify(gw.client.lookup(message_id, channel), focus=FOCUS)
        body = exchange.response.json_or_none()
        if exchange.status == 200 and isinstance(body, dict):
            found[message_id] = str(body.get("deliveryStato"))
    return found


@pytest.mark.gw_rules("batch_partition", "batch_agrees_with_single", "batch_scoped")
def test_batch_lists_each_id_once_and_agrees(
    gw: SuiteSession, known: list[KnownId], elsewhere: list[KnownId], on_target: str
) -> None:
    mine = [k.id for k in known]
    others = [k.id for k in elsewhere]
    separator = gw.contract.batch_separator
    unknown = unknown_ids().filter(lambda i: separator not in i and i.strip() == i and i not in mine)

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
            expect_status(exchange, gw.contract, "batch_partition", {200}, f"a batch of {len(ids)} ids"),
            batch_agrees_with_singles(exchange, gw.contract, singles),
            batch_excludes(exchange, gw.contract, set(foreign), "ids of another channel"),
            focus=FOCUS,
        )

    check()


@pytest.mark.gw_rules("batch_scoped")
def test_batch_does_not_return_another_companys_ids(
    gw: SuiteSession, known: list[KnownId], on_target: str
) -> None:
    if gw.second_client is None:
        gw.skip_rules(["batch_scoped"], "no second company's key (GATEWATCH_SECOND_API_KEY)")
        pytest.skip("no second company's key: set GATEWATCH_SECOND_API_KEY to check tenant isolation")
    mine = [k.id for k in known]
    exchange = gw.second_client.batch(mine, on_target)
    gw.verify(exchange, batch_excludes(exchange, gw.contract, set(mine), "another company's ids"))
    if gw.may_send:
        number = next(iter(gw.target.recipients.values()))
        sent = gw.second_client.send(on_target, number, "gatewatch tenant isolation")
        gw.verify(sent, expect_send_accepted(sent, gw.contract))
        theirs = sent_id(sent)
        assert theirs is not None
        exchange = gw.client.batch([*mine, theirs], on_target)
        gw.verify(exchange, batch_excludes(exchange, gw.contract, {theirs}, "another company's id"))


@pytest.mark.gw_rules("batch_limits")
def test_batch_limits_are_enforced(gw: SuiteSession, known: list[KnownId], on_target: str) -> None:
    contract = gw.contract
    limit = contract.batch_max_ids
    sep = contract.batch_separator
    real = known[0].id
    too_many = [real] + [f"gatewatch-unknown-{i}" for i in range(limit)]
    cases = [
        (f"{limit + 1} ids", dict(ids=too_many, channel=on_target)),
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
        exchange, expect_status(exchange, contract, "batch_limits", {200}, f"a batch of exactly {limit} ids")
    )
