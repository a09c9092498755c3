"""Each contract file checked against its metaschema before anything reads it.

openapi.yaml against the OpenAPI 3.1 schema (and every Schema Object in it against JSON
Schema 2020-12), each schemas/*.json against the metaschema it declares (2020-12 by
default), rules.yaml (merged over its base, if it extends one) against rules.schema.json
beside this module. A typo such as `"type": "strnig"` is then one ContractError (exit 2)
naming the file, the path in it and what was expected, instead of a jsonschema traceback
mid-run or nothing at all. targets.schema.json, also here, is the targets file's
(gatewatch.core.config checks it with `first_problem`, worded by the schema's descriptions).
The validators are built once per process. jsonschema-rs answers "valid?" in well under
a millisecond (Python's jsonschema takes about 100 ms over the OpenAPI 3.1 schema, on
every command start); only an invalid file is walked again by jsonschema, whose
`best_match` names the most relevant error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import best_match

from gatewatch.contract.model import PATH_NOT_FOUND, PROVENANCES, Codes
from gatewatch.core.errors import ContractError

RULES_SCHEMA = Path(__file__).with_name("rules.schema.json")
#: The targets file's schema (read by gatewatch.core.config; shipped here beside the contract's).
TARGETS_SCHEMA = Path(__file__).with_name("targets.schema.json")
# The OpenAPI 3.1 schema as openapi-spec-validator ships it (read as a file: importing the
# package costs a third of a second on every command start).
_OAS31_PACKAGE = "openapi_spec_validator"
_OAS31_SCHEMA = ("resources", "schemas", "v3.1", "schema.json")
# An error names the offending value; a value may be a whole object, so keep a line a line.
_MAX_MESSAGE = 240
# Beside a `required`, the schema's own wording for what is missing (e.g. "a rule switched
# off says why: reason"): clearer than "'reason' is a required property".
_MISSING = "x-missing"
# Where OpenAPI puts Schema Objects: under these keys of a parameter, header or media type.
_SCHEMA_KEY = "schema"


def check_openapi(document: Mapping[str, Any], file: Path) -> None:
    """Refuse an openapi.yaml that is not OpenAPI 3.1 or holds a schema that is not JSON Schema."""
    _raise_first(_oas31(), document, file)
    for where, schema in _schema_objects(document, ()):
        _raise_first(_metaschema_validator(_dialect(schema)), schema, file, where)


def check_json_schema(schema: Any, file: Path) -> None:
    """Refuse a schema file that its own metaschema (2020-12 unless it says) calls invalid."""
    _raise_first(_metaschema_validator(_dialect(schema)), schema, file)


def check_rules(
    document: Mapping[str, Any], file: Path, locate: Callable[[Sequence[str | int]], Path] | None = None
) -> None:
    """Refuse a rules.yaml whose keys or values are not what rules.schema.json describes.

    `locate` names the file a key path comes from, for a rules.yaml merged over its base.
    """
    _raise_first(_rules_validator(), document, file, locate=locate)


# -- validators, built once -----------------------------------------------------------


class SchemaValidator:
    """A schema's fast yes/no (jsonschema-rs) and its explanation (jsonschema)."""

    def __init__(self, python: Any) -> None:
        self.python = python
        self.fast = jsonschema_rs.validator_for(python.schema)

    def errors(self, instance: Any) -> Iterator[ValidationError]:
        try:
            valid = self.fast.is_valid(instance)
        except ValueError:  # a value JSON has no type for (a TOML date): jsonschema says what
            valid = False
        if valid:
            return iter(())
        result: Iterator[ValidationError] = self.python.iter_errors(instance)
        return result


@cache
def _oas31() -> SchemaValidator:
    spec = find_spec(_OAS31_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ContractError(f"cannot check openapi.yaml: {_OAS31_PACKAGE} is not installed")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*_OAS31_SCHEMA)
    return SchemaValidator(Draft202012Validator(json.loads(path.read_text(encoding="utf-8"))))


@cache
def _metaschema_validator(dialect: str) -> SchemaValidator:
    cls = validators.validator_for({"$schema": dialect}, default=Draft202012Validator)
    return SchemaValidator(cls(cls.META_SCHEMA))


@cache
def _rules_validator() -> SchemaValidator:
    schema = json.loads(RULES_SCHEMA.read_text(encoding="utf-8"))
    # One place for the provenances, the code names and the precedence roles: the model,
    # not a copy in the JSON file.
    schema["$defs"]["provenance"]["enum"] = list(PROVENANCES)
    code = schema["properties"]["codes"]["additionalProperties"]
    schema["properties"]["codes"].update(
        required=list(Codes.__slots__),
        properties=dict.fromkeys(Codes.__slots__, code),
        additionalProperties=False,
    )
    order = schema["properties"]["error_precedence"]["properties"]["order"]
    order["items"] = {"enum": [*Codes.__slots__, PATH_NOT_FOUND]}
    return SchemaValidator(Draft202012Validator(schema))


def validator(schema: Mapping[str, Any]) -> SchemaValidator:
    """A validator for `schema` (JSON Schema 2020-12), for `first_problem`."""
    return SchemaValidator(Draft202012Validator(schema))


def first_problem(checker: SchemaValidator, instance: Any) -> tuple[str, str] | None:
    """(key path, what was expected) of the most relevant error in `instance`, or None.

    Worded from the schema: a node's `description` is what was expected there, so the
    line reads `targets.x.auth: expected one of ['key', 'basic'], got 'oauth'`.
    """
    error = best_match(checker.errors(instance))
    if error is None:
        return None
    path = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "required":
        return _missing(error.validator_value, error.instance, schema, path)
    if error.validator == "additionalProperties":
        known = sorted(schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(known))
        return _dotted(path), f"unknown keys {unknown}; expected some of {known}"
    if error.validator == "enum":
        expected = f"one of {error.validator_value}"
    elif "description" in schema:
        expected = str(schema["description"])
    elif error.validator == "type":
        expected = " or ".join(_as_list(error.validator_value))
    else:
        return _dotted(path), _clip(error.message)
    return _dotted(path), _clip(f"expected {expected}, got {error.instance!r}")


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _missing(
    required: list[str], instance: Mapping[str, Any], schema: Mapping[str, Any], path: list[str | int]
) -> tuple[str, str]:
    """A required key's path, and its description (or the requiring schema's)."""
    name = next(name for name in required if name not in instance)
    wanted = schema.get("properties", {}).get(name, {}).get("description")
    message = f"missing, expected {wanted}" if wanted else str(schema.get(_MISSING, "missing"))
    return _dotted([*path, name]), message


def _clip(message: str) -> str:
    return message if len(message) <= _MAX_MESSAGE else message[:_MAX_MESSAGE] + "..."


def _dialect(schema: Any) -> str:
    declared = schema.get("$schema") if isinstance(schema, Mapping) else None
    return declared if isinstance(declared, str) else str(Draft202012Validator.META_SCHEMA["$id"])


# -- walking and reporting ------------------------------------------------------------


def _schema_objects(node: Any, where: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """(path, schema) of each Schema Object: `schema` values and components.schemas entries."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            here = (*where, key)
            if key == _SCHEMA_KEY or where == ("components", "schemas"):
                yield here, value
            else:
                yield from _schema_objects(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _schema_objects(value, (*where, index))


def _raise_first(
    validator: SchemaValidator,
    instance: Any,
    file: Path,
    where: Sequence[str | int] = (),
    locate: Callable[[Sequence[str | int]], Path] | None = None,
) -> None:
    error = best_match(validator.errors(instance))
    if error is None:
        return
    if locate is not None:
        file = locate(list(error.absolute_path))
    message = _clip(error.message)
    if error.validator == "required" and isinstance(error.schema, Mapping) and _MISSING in error.schema:
        message = str(error.schema[_MISSING])
    expected = _expected(error)
    raise ContractError(
        f"{message}{f' (expected {expected})' if expected else ''}",
        file=str(file),
        key=_dotted([*where, *error.absolute_path]) or "(top level)",
    )


def _expected(error: ValidationError) -> str:
    """What would have been valid, where the message does not say (an anyOf of an enum)."""
    if error.validator in ("anyOf", "oneOf"):
        for alternative in error.context:
            if alternative.validator == "enum" and isinstance(alternative.validator_value, list):
                return "one of " + ", ".join(map(str, alternative.validator_value))
    return ""


def _dotted(path: Sequence[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
