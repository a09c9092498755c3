"""Hypothesis strategies derived from the contract's JSON Schemas.

hypothesis-jsonschema 0.23 fails on object schemas with current Hypothesis (its use of
`many.more` was removed), so this covers the subset contracts/ uses: enum, const, type
(or a list of types), string pattern/minLength/maxLength, object properties/required,
array items/minItems/maxItems, and $ref to another schema file. A schema outside that
subset raises ContractError naming the keyword, rather than generating wrong data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC
from typing import Any

from hypothesis import strategies as st

from gatewatch.contract.contract import Contract
from gatewatch.errors import ContractError

_SUPPORTED = frozenset(
    {
        "$schema",
        "$id",
        "title",
        "description",
        "type",
        "enum",
        "const",
        "pattern",
        "minLength",
        "maxLength",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "$ref",
        "format",
        "minimum",
        "maximum",
    }
)
_MAX_TEXT = 64  # unbounded strings are kept short: they exercise shape, not size


def from_schema(contract: Contract, schema: str | Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid under `schema` (a schema file name, or an inline schema)."""
    node = contract.schemas[schema] if isinstance(schema, str) else schema
    return _strategy(contract, node)


def _strategy(contract: Contract, node: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    unknown = sorted(k for k in node if k not in _SUPPORTED and not k.startswith("x-"))
    if unknown:
        raise ContractError(f"strategies do not support the keywords {unknown}")
    if "$ref" in node:
        return _strategy(contract, contract.schemas[node["$ref"].rsplit("/", 1)[-1]])
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(list(node["enum"]))
    types = node.get("type", "string")
    if isinstance(types, list):
        return st.one_of(*(_strategy(contract, {**node, "type": t}) for t in types))
    make: _Maker = _BY_TYPE[types]
    return make(contract, node)


def _string(contract: Contract, node: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    if node.get("format") == "date-time":
        return st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat().replace("+00:00", "Z"))
    low, high = node.get("minLength", 0), node.get("maxLength", _MAX_TEXT)
    if "pattern" in node:
        return st.from_regex(node["pattern"], fullmatch=True).filter(lambda s: low <= len(s) <= high)
    return st.text(min_size=low, max_size=high)


def _object(contract: Contract, node: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    properties = node.get("properties", {})
    required = set(node.get("required", []))
    return st.fixed_dictionaries(
        {name: _strategy(contract, properties[name]) for name in properties if name in required},
        optional={
            name: _strategy(contract, spec) for name, spec in properties.items() if name not in required
        },
    )


def _array(contract: Contract, node: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    return st.lists(
        _strategy(contract, node.get("items", {})),
        min_size=node.get("minItems", 0),
        max_size=node.get("maxItems", 5),
    )


def _integer(contract: Contract, node: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    return st.integers(node.get("minimum"), node.get("maximum"))


_Maker = Callable[[Contract, Mapping[str, Any]], st.SearchStrategy[Any]]
_BY_TYPE: dict[str, _Maker] = {
    "string": _string,
    "object": _object,
    "array": _array,
    "integer": _integer,
    "number": lambda c, n: st.floats(n.get("minimum"), n.get("maximum"), allow_nan=False),
    "boolean": lambda c, n: st.booleans(),
    "null": lambda c, n: st.none(),
}
