"""Hypothesis strategies derived from the contract's JSON Schemas: valid values and violations.

hypothesis-jsonschema 0.23 fails on object schemas with current Hypothesis (its use of
`many.more` was removed), so this covers the subset contracts/ uses: enum, const, type
(or a list of types), string pattern/minLength/maxLength, object properties/required,
array items/minItems/maxItems, and $ref to another schema file. A schema outside that
subset raises ContractError naming the keyword, rather than generating wrong data.

`violations` derives invalid instances from the same schema: each required property
missing, each property of the wrong type, strings one past each length bound, and
pattern near-misses (a trailing newline, a character dropped or doubled, a Unicode
digit): boundaries come from the schema, never retyped. Patterns are ECMA-262: a value
is kept only if the contract's own validator agrees it is valid (or invalid).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC
from typing import Any

from hypothesis import strategies as st

from gatewatch.contract.contract import Contract
from gatewatch.contract.ecma import matches
from gatewatch.core.errors import ContractError

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
        pattern = node["pattern"]
        # Generated with Python's engine, kept only where ECMA-262 (the schema's) agrees.
        return st.from_regex(pattern, fullmatch=True).filter(
            lambda s: low <= len(s) <= high and matches(pattern, s)
        )
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


# A value of each JSON type, for "the wrong type" cases.
_WRONG_TYPES: dict[str, object] = {
    "string": "gatewatch",
    "integer": 12,
    "number": 1.5,
    "boolean": True,
    "null": None,
    "object": {},
    "array": [],
}
# Near-misses of a pattern: what a lax engine (Python's `$`, `\\d`) or a sloppy check lets through.
_NEAR_MISSES: tuple[Callable[[str], str], ...] = (
    lambda s: s + "\n",
    lambda s: " " + s,
    lambda s: s[:-1],
    lambda s: s + s[-1:],
    lambda s: s[:1] + "\u0663" + s[2:],
    lambda s: s.replace("0", "O", 1),
)


def _resolved(contract: Contract, node: Mapping[str, Any]) -> Mapping[str, Any]:
    if "$ref" in node:
        return contract.schemas[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _types_of(node: Mapping[str, Any]) -> set[str]:
    declared = node.get("type")
    if isinstance(declared, list):
        return set(declared)
    if isinstance(declared, str):
        return {declared}
    if "enum" in node:
        return {type_name(v) for v in node["enum"]}
    return set()


def type_name(value: object) -> str:
    """The JSON type name of a Python value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _bad_strings(contract: Contract, node: Mapping[str, Any]) -> st.SearchStrategy[str]:
    """Strings one past a length bound, or just off the pattern (from a valid one)."""
    options: list[st.SearchStrategy[str]] = []
    if "minLength" in node and node["minLength"] > 0:
        options.append(st.just("x" * (node["minLength"] - 1)))
    if "maxLength" in node:
        options.append(st.just("x" * (node["maxLength"] + 1)))
    if "pattern" in node:
        valid = _string(contract, {k: v for k, v in node.items() if k not in ("minLength", "maxLength")})
        near = st.tuples(valid, st.sampled_from(_NEAR_MISSES)).map(lambda a: a[1](a[0]))
        options.append(near.filter(lambda s: not matches(node["pattern"], s)))
    if "enum" in node:
        values = [v for v in node["enum"] if isinstance(v, str)]
        options.append(st.sampled_from([v.lower() for v in values] + [f" {v}" for v in values]))
    return st.one_of(*options) if options else st.nothing()


def _without(name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda body: {k: v for k, v in body.items() if k != name}


def _with(name: str) -> Callable[[tuple[dict[str, Any], Any]], dict[str, Any]]:
    return lambda pair: {**pair[0], name: pair[1]}


def violations(contract: Contract, schema: str) -> st.SearchStrategy[Any]:
    """Instances the object schema `schema` refuses, each breaking it in one way the schema states."""
    node = contract.schemas[schema]
    properties: Mapping[str, Any] = node.get("properties", {})
    required = [name for name in node.get("required", []) if name in properties]
    valid: st.SearchStrategy[dict[str, Any]] = from_schema(contract, schema)
    cases: list[st.SearchStrategy[Any]] = [valid.map(_without(name)) for name in required]
    for name, spec in properties.items():
        resolved = _resolved(contract, spec)
        wrong = [value for kind, value in _WRONG_TYPES.items() if kind not in _types_of(resolved)]
        if wrong:
            cases.append(st.tuples(valid, st.sampled_from(wrong)).map(_with(name)))
        if "string" in _types_of(resolved):
            cases.append(st.tuples(valid, _bad_strings(contract, resolved)).map(_with(name)))
    cases.append(st.sampled_from([[], "text", 1, None]))
    # Keep only what the contract's validator really refuses (a near-miss can land valid).
    return st.one_of(*cases).filter(lambda body: bool(contract.schema_errors(schema, body)))
