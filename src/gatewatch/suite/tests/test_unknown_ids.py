"""Ids that do not exist, of every shape: 404 (or 400, 414, 431), never 200, never 5xx."""

from __future__ import annotations

import pytest
from hypothesis import example, given

from gatewatch.checks import expect_unknown_id
from gatewatch.core.config import KnownId
from gatewatch.suite import SuiteSession
from gatewatch.suite.strategies import lookalike_ids, nasty_ids, unknown_ids

FOCUS = {"unknown_id_not_found"}


@pytest.mark.gw_rules("unknown_id_not_found")
def test_nasty_ids_are_not_found(gw: SuiteSession, on_target: str) -> None:
    for message_id in nasty_ids(gw.contract):
        exchange = gw.client.lookup(message_id, on_target)
        gw.verify(exchange, expect_unknown_id(exchange, gw.contract))


@pytest.mark.gw_rules("unknown_id_not_found")
@pytest.mark.gw_examples(1)
def test_unknown_ids_are_not_found(gw: SuiteSession, on_target: str) -> None:
    @gw.generated(cost=1)
    @given(message_id=unknown_ids())
    @example(message_id="gatewatch-does-not-exist")
    @gw.bounded
    def check(message_id: str) -> None:
        exchange = gw.client.lookup(message_id, on_target)
        gw.verify(exchange, expect_unknown_id(exchange, gw.contract), focus=FOCUS)

    check()


@pytest.mark.gw_rules("unknown_id_not_found")
@pytest.mark.gw_examples(1)
def test_ids_one_edit_from_real_ones_are_not_found(
    gw: SuiteSession, known: list[KnownId], on_target: str
) -> None:
    real = [k.id for k in known]

    @gw.generated(cost=1)
    @given(message_id=lookalike_ids(real))
    @gw.bounded
    def check(message_id: str) -> None:
        exchange = gw.client.lookup(message_id, on_target)
        gw.verify(exchange, expect_unknown_id(exchange, gw.contract), focus=FOCUS)

    check()
