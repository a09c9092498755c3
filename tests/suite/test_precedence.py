"""Error-precedence cases come from the contract's order, not from a hand-written list."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import pytest

from gatewatch.contract import Contract, resolve_contract
from gatewatch.suite.precedence import PrecedenceCase, api_prefix, precedence_cases

DIALECTS = ("vendor", "strict")


def _cases(contract: Contract) -> tuple[list[PrecedenceCase], list[tuple[str, str]]]:
    body = {contract.send.destination: "+393400000001", contract.send.text: "gatewatch"}
    cases, skipped = precedence_cases(
        contract,
        valid_send_body=body,
        lookup_path=lambda i: contract.lookup_path.replace("{" + contract.id_param + "}", i),
    )
    return cases, [s.pair for s in skipped]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_pair_of_the_order_is_a_case_or_skipped_with_a_reason(dialect: str) -> None:
    contract = resolve_contract(dialect)
    cases, skipped = _cases(contract)
    pairs = set(itertools.combinations(contract.precedence.order, 2))
    assert {c.pair for c in cases} | set(skipped) == pairs
    assert {c.pair for c in cases}.isdisjoint(skipped)
    assert len(cases) >= 10, "most pairs can be broken by one request"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_first_of_each_pair_wins_and_breaks_both(dialect: str) -> None:
    contract = resolve_contract(dialect)
    order = contract.precedence.order
    for case in _cases(contract)[0]:
        first, second = case.pair
        assert order.index(first) < order.index(second)
        assert {first, second} <= case.breaks
        assert case.winner == first == min(case.breaks, key=order.index)
        assert case.code == contract.precedence.code(first) != contract.precedence.code(second)


def test_the_documented_examples_are_among_the_cases() -> None:
    contract = resolve_contract("vendor")
    by_pair = {c.pair: c for c in _cases(contract)[0]}
    no_key_bad_channel = by_pair[("unauthorized", "bad_request")]
    assert no_key_bad_channel.code == contract.codes.unauthorized and not no_key_bad_channel.keyed
    assert no_key_bad_channel.params[contract.channel_param] not in contract.channels
    oversized = by_pair[("payload_too_large", "unauthorized")]
    assert oversized.body is not None and len(oversized.body) > contract.send.body_max_bytes
    assert json.loads(oversized.body)[contract.send.destination], "valid but for its size"
    unknown_path = by_pair[("path_not_found", "unauthorized")]
    assert unknown_path.path.startswith(api_prefix(contract) + "/")
    assert unknown_path.path not in (contract.lookup_path, contract.batch_path, *contract.send_paths.values())


def test_429_pairs_are_skipped_and_strict_has_none() -> None:
    vendor = resolve_contract("vendor")
    _, skipped = _cases(vendor)
    assert {p for p in skipped if "too_many_requests" in p} == {
        p for p in itertools.combinations(vendor.precedence.order, 2) if "too_many_requests" in p
    }
    strict = resolve_contract("strict")
    assert "too_many_requests" not in strict.precedence.order
    assert all("too_many_requests" not in c.pair for c in _cases(strict)[0])


def test_a_changed_order_changes_the_expected_codes() -> None:
    contract = resolve_contract("vendor")
    order = list(contract.precedence.order)
    i, j = order.index("unauthorized"), order.index("bad_request")
    order[i], order[j] = order[j], order[i]
    swapped = replace(contract, precedence=replace(contract.precedence, order=tuple(order)))
    case = next(c for c in _cases(swapped)[0] if set(c.pair) == {"unauthorized", "bad_request"})
    assert case.code == contract.codes.bad_request, "one edit of rules.yaml, no code change"
