r"""JSON Schema validation with ECMA-262 patterns, as JSON Schema specifies them.

Python's `re` differs where it matters for a contract: `$` also matches before a final
newline (so `"+393330000001\\n"` would pass `^\\+[0-9]{8,15}$`) and `\\d` matches any
Unicode digit. The `pattern` keyword here uses regress, an ECMA-262 engine, so the
checks, the simulator and the strategies' filters agree with any JSON Schema tool.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import regress
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


@cache
def _compiled(pattern: str) -> regress.Regex:
    return regress.Regex(pattern)


def matches(pattern: str, text: str) -> bool:
    """True when ECMA-262 `pattern` matches somewhere in `text` (JSON Schema's `pattern`)."""
    return _compiled(pattern).find(text) is not None


def _pattern(validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]) -> Iterator[Any]:
    if validator.is_type(instance, "string") and not matches(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = validators.extend(Draft202012Validator, {"pattern": _pattern})


# Values that are data, not subschemas: a "$ref" key inside them is not a reference.
_DATA_KEYWORDS = frozenset({"enum", "const", "examples", "default"})
# What makes a schema depend on where it sits: inlined elsewhere, it would resolve differently.
_PLACE_KEYWORDS = frozenset({"$id", "$defs", "definitions", "$anchor", "$dynamicAnchor", "$dynamicRef"})
# Dropped from an inlined file's root: they only name the file and its dialect.
_ROOT_ONLY = ("$id", "$schema")


def _placeless(node: Any, root: bool = True) -> bool:
    """True when `node` holds no local reference and no keyword tying it to its own file."""
    if isinstance(node, list):
        return all(_placeless(item, False) for item in node)
    if not isinstance(node, Mapping):
        return True
    for key, value in node.items():
        if key in _DATA_KEYWORDS:
            continue
        if (key in _PLACE_KEYWORDS and not (root and key == "$id")) or (
            key == "$ref" and isinstance(value, str) and value.startswith("#")
        ):
            return False
        if not _placeless(value, False):
            return False
    return True


def inline_refs(
    node: Any, schemas: Mapping[str, Mapping[str, Any]], within: frozenset[str] = frozenset()
) -> Any:
    """`node` with each `$ref` to another whole schema file replaced by that file's schema.

    `{"$ref": "channel.json", ...}` becomes `{..., "allOf": [<channel.json>]}`: the same
    errors (allOf yields its subschema's own), without a registry lookup per reference at
    every validation, which is most of a validation's time. A reference that is recursive,
    to a file not given, or to a schema tied to its own file (local `#` references,
    `$defs`, anchors) stays a reference, resolved through the registry as before.
    """
    if isinstance(node, list):
        return [inline_refs(item, schemas, within) for item in node]
    if not isinstance(node, Mapping):
        return node
    out = {
        key: value if key in _DATA_KEYWORDS else inline_refs(value, schemas, within)
        for key, value in node.items()
        if key != "$ref"
    }
    if "$ref" not in node:
        return out
    ref = node["$ref"]
    target = schemas.get(ref) if isinstance(ref, str) else None
    if target is None or ref in within or "allOf" in out or not _placeless(target):
        out["$ref"] = ref
        return out
    inlined = inline_refs(target, schemas, within | {ref})
    out["allOf"] = [{key: value for key, value in inlined.items() if key not in _ROOT_ONLY}]
    return out


def compile_schemas(schemas: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A validator per schema file, each resolving `$ref`s to the others by file name.

    The references to other files are inlined first (`inline_refs`); the registry resolves
    what is left.
    """
    resources = [
        (name, Resource.from_contents(dict(schema), default_specification=DRAFT202012))
        for name, schema in schemas.items()
    ]
    registry: Registry[Any] = Registry().with_resources(resources)
    checker = FormatChecker()
    return {
        name: EcmaValidator(
            inline_refs(schema, schemas, frozenset({name})), registry=registry, format_checker=checker
        )
        for name, schema in schemas.items()
    }
