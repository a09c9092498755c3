"""Drift diagnosis the suite makes with extra requests: the batch parameter's other name.

The vendor's pages name the batch parameter `ids` (the batch-status page) or
`customerMessageIds` (the webhooks guide). When a valid batch answers 400 to the
contract's name, the suite asks once more with each documented alias; if one answers
200, the failure says so in one line, with the edit that switches the contract.
Field-name drift in bodies needs no extra request: response_schema reports it.
"""

from __future__ import annotations

from collections.abc import Sequence

from gatewatch.checks import name_drift
from gatewatch.contract import Contract
from gatewatch.core.client import GatewayClient
from gatewatch.core.exchange import Exchange

WHAT = "batch parameter"


def batch_param_drift(
    client: GatewayClient, contract: Contract, answered: Exchange, ids: Sequence[str], channel: str
) -> tuple[str, Exchange] | None:
    """The one-line diagnosis and the answer that showed it, when an alias of the ids parameter works.

    Asks only when `answered` (a valid batch) got 400: at most one request per alias.
    """
    if answered.status != contract.codes.bad_request:
        return None
    expected = contract.batch.ids_param
    aliases = contract.aliases_of(expected)
    if aliases is None:
        return None
    for alias in aliases[1]:  # bounded: the documented aliases
        retried = client.batch(ids, channel, ids_param=alias)
        if retried.status == contract.codes.ok:
            line = name_drift(contract, expected, alias, WHAT)
            if line is not None:
                return line, retried
    return None
