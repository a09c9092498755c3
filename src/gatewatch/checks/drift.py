"""Drift diagnosis: an answer that uses the vendor's other documented name for a field.

The vendor's pages disagree on names (deliveryStato on the Italian pages and the seed page,
deliveryStatus on the English ones; `ids` or `customerMessageIds` for the batch). When an
answer carries another documented name instead of the contract's, the failure says so in
one line: what was expected, what came, that the docs use both, and the one edit that
switches the contract.
"""

from __future__ import annotations

import json
from typing import Any

from gatewatch.contract import Contract


def rename_hint(contract: Contract, expected: str, came: str) -> str:
    """The one edit that makes the contract expect `came` where it expects `expected`."""
    return f"add `{expected}: {came}` under names.renames in {contract.root / 'rules.yaml'}"


def name_drift(contract: Contract, expected: str, came: str, what: str = "field") -> str | None:
    """The one-line diagnosis when `came` is a documented alias of `expected`, else None."""
    aliases = contract.aliases_of(expected)
    if aliases is None or came not in aliases[1]:
        return None
    group = aliases[0]
    return (
        f"{what} {expected!r} expected, {came!r} came instead: the vendor's docs use both "
        f"({group.source}); if the gateway says {came}, {rename_hint(contract, expected, came)}"
    )


# Bodies judged, by (contract, schema, the body as canonical JSON): a load test samples the
# same few answers (its known ids) thousands of times, and a validation costs far more than
# serialising the body. Bounded: the oldest entry goes first.
_JUDGED: dict[tuple[int, str, str], tuple[Contract, tuple[str, ...]]] = {}
JUDGED_MAX = 4096


def schema_problems(contract: Contract, schema: str, body: Any) -> list[str]:
    """Why `body` does not match `schema`, a missing field under an alias said as drift, once."""
    try:
        key = (id(contract), schema, json.dumps(body, sort_keys=True))
    except (TypeError, ValueError, RecursionError):  # not a JSON value: judged afresh
        return _schema_problems(contract, schema, body)
    found = _JUDGED.get(key)
    # The contract itself is kept with the answer: an id reused after it is gone never matches.
    if found is not None and found[0] is contract:
        return list(found[1])
    problems = _schema_problems(contract, schema, body)
    if len(_JUDGED) >= JUDGED_MAX:
        _JUDGED.pop(next(iter(_JUDGED), key), None)
    _JUDGED[key] = (contract, tuple(problems))
    return problems


def _schema_problems(contract: Contract, schema: str, body: Any) -> list[str]:
    problems: list[str] = []
    drift: list[str] = []
    for error in sorted(contract.validator(schema).iter_errors(body), key=lambda e: list(e.path)):
        where = "/".join(map(str, error.absolute_path)) or "<root>"
        hint = _missing_under_alias(contract, error)
        if hint is not None:
            if hint not in drift:
                drift.append(hint)
            continue
        problems.append(f"{schema}: {where}: {error.message}")
    return drift + problems


def _missing_under_alias(contract: Contract, error: Any) -> str | None:
    if error.validator != "required" or not isinstance(error.instance, dict):
        return None
    present = set(error.instance)
    for name in error.validator_value:
        # One error per missing property; its message names it.
        if name in present or repr(name) not in error.message:
            continue
        aliases = contract.aliases_of(name)
        if aliases is None:
            continue
        for alias in aliases[1]:
            if alias in present:
                return name_drift(contract, name, alias)
    return None
