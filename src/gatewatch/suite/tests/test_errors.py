"""Unknown paths, wrong methods, and which error wins when a request breaks several rules."""

from __future__ import annotations

import pytest

from gatewatch.checks import expect_error_answer
from gatewatch.suite import SuiteSession
from gatewatch.suite.precedence import (
    allowed_methods,
    api_prefix,
    precedence_cases,
    unknown_path,
)

# Methods a gateway might route by mistake; each is tried on every path that does not allow it.
WRONG_METHODS = ("DELETE", "PUT", "PATCH", "POST", "GET")


def _unknown_paths(gw: SuiteSession) -> list[str]:
    contract = gw.contract
    prefix = api_prefix(contract)
    head, _, version = prefix.rpartition("/")
    paths = [unknown_path(contract), gw.client.lookup_path("x") + "/extra", contract.batch_path + "es/x"]
    if version[1:].isdigit():
        rest = gw.client.lookup_path("x")[len(prefix) :]
        paths.append(f"{head}/{version[0]}{int(version[1:]) + 1}{rest}")
    return paths


@pytest.mark.gw_rules("error_body", "content_type_json")
def test_unknown_path_is_404_with_the_error_body(gw: SuiteSession) -> None:
    contract = gw.contract
    for path in _unknown_paths(gw):
        exchange = gw.client.request("GET", path, params={contract.channel_param: contract.channels[0]})
        gw.verify(
            exchange,
            expect_error_answer(exchange, contract, "error_body", {contract.codes.not_found}, f"GET {path}"),
        )


@pytest.mark.gw_rules("error_body", "content_type_json")
def test_wrong_method_is_405_with_the_error_body(gw: SuiteSession) -> None:
    contract = gw.contract
    channel = contract.channels[0]
    lookup = (contract.lookup_path, gw.client.lookup_path("x"), {contract.channel_param: channel})
    batch = (
        contract.batch_path,
        contract.batch_path,
        {contract.channel_param: channel, contract.batch.ids_param: "x"},
    )
    send: tuple[str, str, dict[str, str]] = (contract.send_paths[channel], contract.send_paths[channel], {})
    for template, path, params in (lookup, batch, send):
        allowed = allowed_methods(contract, template)
        for method in (m for m in WRONG_METHODS if m not in allowed):
            exchange = gw.client.request(method, path, params=params)
            gw.verify(
                exchange,
                expect_error_answer(
                    exchange, contract, "error_body", {contract.codes.method_not_allowed}, f"{method} {path}"
                ),
            )


@pytest.mark.gw_rules("error_precedence")
def test_the_documented_error_wins(gw: SuiteSession, recipient: str) -> None:
    """Every pair of contracts/rules.yaml error_precedence.order, each request breaking both."""
    contract = gw.contract
    cases, skipped = precedence_cases(
        contract,
        valid_send_body=gw.client.send_body(recipient, "gatewatch precedence"),
        lookup_path=gw.client.lookup_path,
    )
    assert cases, f"no precedence case could be built from {contract.precedence.order}: {skipped}"
    for case in cases:
        client = gw.client if case.keyed else gw.anonymous
        headers = {"Content-Type": contract.json_content_type} if case.body is not None else None
        exchange = client.request(case.method, case.path, params=case.params, body=case.body, headers=headers)
        gw.verify(
            exchange,
            expect_error_answer(exchange, contract, "error_precedence", {case.code}, case.describe()),
        )
