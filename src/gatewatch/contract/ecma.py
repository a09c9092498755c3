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


def compile_schemas(schemas: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A validator per schema file, each resolving `$ref`s to the others by file name."""
    resources = [
        (name, Resource.from_contents(dict(schema), default_specification=DRAFT202012))
        for name, schema in schemas.items()
    ]
    registry: Registry[Any] = Registry().with_resources(resources)
    checker = FormatChecker()
    return {
        name: EcmaValidator(dict(schema), registry=registry, format_checker=checker)
        for name, schema in schemas.items()
    }
