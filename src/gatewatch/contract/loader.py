"""Load contracts/ (OpenAPI, JSON Schemas, rules.yaml) into one immutable Contract.

Everything the simulator serves and every check expects comes from here: channels and
statuses from the schemas' enums, paths from the OpenAPI operations, the lifecycle, limits
and test recipients from rules.yaml. One edit in contracts/ changes them all.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from gatewatch.errors import ContractError

Provenance = Literal["documented", "pinned"]
PROVENANCES: tuple[Provenance, ...] = ("documented", "pinned")
CONTRACTS_ENV = "GATEWATCH_CONTRACTS"


@dataclass(frozen=True, slots=True)
class Rule:
    """One named contract rule and where it comes from."""

    id: str
    provenance: Provenance
    summary: str


@dataclass(frozen=True, slots=True)
class Recipient:
    """A test recipient: numbers ending in `suffix` walk `path` and end in `outcome`."""

    outcome: str
    suffix: str
    path: tuple[str, ...]
    reason: str | None = None

    @property
    def final_status(self) -> str:
        """The status the recipient settles on."""
        return self.path[-1]


@dataclass(frozen=True, slots=True)
class Contract:
    """The machine form of gateway-api.md."""

    root: Path
    openapi: Mapping[str, Any]
    schemas: Mapping[str, Mapping[str, Any]]
    channels: tuple[str, ...]
    statuses: tuple[str, ...]
    initial_statuses: frozenset[str]
    transitions: Mapping[str, frozenset[str]]
    final_statuses: frozenset[str]
    needs_reason: frozenset[str]
    recipients: Mapping[str, Recipient]
    default_outcome: str
    send_paths: Mapping[str, str]
    lookup_path: str
    batch_path: str
    response_codes: Mapping[str, frozenset[int]]
    # (operation, status code) -> the schema file its JSON body must match
    response_schemas: Mapping[tuple[str, int], str]
    batch_max_ids: int
    batch_separator: str
    send_body_max_bytes: int
    send_success_codes: frozenset[int]
    unknown_id_codes: frozenset[int]
    json_content_type: str
    retry_delays_s: tuple[float, ...]
    auth_header: str
    auth_scheme: str
    rules: Mapping[str, Rule]
    _validators: dict[str, Draft202012Validator] = field(default_factory=dict, repr=False)

    # -- shapes -------------------------------------------------------------------------

    def validator(self, schema: str) -> Draft202012Validator:
        """A compiled validator for `schema` (a file name under schemas/, e.g. status-body.json)."""
        found = self._validators.get(schema)
        if found is None:
            raise ContractError(f"no schema named {schema!r}", file=str(self.root / "schemas"))
        return found

    def schema_errors(self, schema: str, instance: object) -> list[str]:
        """Human-readable reasons why `instance` does not match `schema` (empty when it does)."""
        errors = sorted(self.validator(schema).iter_errors(instance), key=lambda e: list(e.path))
        return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]

    # -- lifecycle ----------------------------------------------------------------------

    def can_move(self, before: str, after: str) -> bool:
        """True when `after` may directly follow `before` (equal counts as no move)."""
        return before == after or after in self.transitions.get(before, frozenset())

    def reachable(self, before: str, after: str) -> bool:
        """True when `after` equals `before` or is reachable from it by allowed moves."""
        seen = {before}
        frontier = [before]
        while frontier:  # bounded: at most one visit per status
            current = frontier.pop()
            if current == after:
                return True
            for nxt in self.transitions.get(current, frozenset()):
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        return False

    def is_final(self, status: str) -> bool:
        """True for statuses a message never leaves."""
        return status in self.final_statuses

    # -- recipients ---------------------------------------------------------------------

    def recipient_for(self, number: str) -> Recipient:
        """The test recipient whose suffix `number` ends in, or the default outcome's."""
        for recipient in self.recipients.values():
            if number.endswith(recipient.suffix):
                return recipient
        return self.recipients[self.default_outcome]

    def rule(self, rule_id: str) -> Rule:
        """The rule named `rule_id`; a ContractError names the file when it is missing."""
        try:
            return self.rules[rule_id]
        except KeyError:
            raise ContractError(
                f"no rule {rule_id!r}", file=str(self.root / "rules.yaml"), key="rules"
            ) from None


def packaged_contracts_dir() -> Path:
    """Where contracts/ is: $GATEWATCH_CONTRACTS, the source checkout, or the installed copy."""
    env = os.environ.get(CONTRACTS_ENV)
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    checkout = here.parents[3] / "contracts"
    if (checkout / "openapi.yaml").is_file():
        return checkout
    return here.parents[1] / "_contracts"


@cache
def default_contract() -> Contract:
    """The contract gatewatch runs with unless told otherwise (loaded once per process)."""
    return load_contract(packaged_contracts_dir())


def load_contract(root: Path | str) -> Contract:
    """Load and cross-check the contract in directory `root`; raise ContractError if broken."""
    root = Path(root)
    openapi_file = root / "openapi.yaml"
    rules_file = root / "rules.yaml"
    openapi = _read_yaml(openapi_file)
    rules_doc = _read_yaml(rules_file)
    schemas = _read_schemas(root / "schemas")
    return _build(root, openapi, rules_doc, schemas)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContractError(f"cannot read: {exc.strerror}", file=str(path)) from None
    except yaml.YAMLError as exc:
        raise ContractError(f"not valid YAML: {exc}", file=str(path)) from None
    if not isinstance(data, dict):
        raise ContractError("expected a mapping at the top level", file=str(path))
    return data


def _read_schemas(folder: Path) -> dict[str, dict[str, Any]]:
    schemas: dict[str, dict[str, Any]] = {}
    if not folder.is_dir():
        raise ContractError("missing schemas folder", file=str(folder))
    for path in sorted(folder.glob("*.json")):
        try:
            schemas[path.name] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ContractError(f"not valid JSON: {exc}", file=str(path)) from None
    return schemas


def _get(doc: Mapping[str, Any], dotted: str, file: Path, expected: type) -> Any:
    node: Any = doc
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise ContractError(f"missing, expected {expected.__name__}", file=str(file), key=dotted)
        node = node[part]
    if not isinstance(node, expected):
        raise ContractError(
            f"expected {expected.__name__}, got {type(node).__name__}", file=str(file), key=dotted
        )
    return node


def _enum(schemas: Mapping[str, Mapping[str, Any]], name: str, folder: Path) -> tuple[str, ...]:
    schema = schemas.get(name)
    values = schema.get("enum") if schema else None
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ContractError("expected a non-empty string enum", file=str(folder / name), key="enum")
    return tuple(values)


def _statuses_in(values: Any, known: tuple[str, ...], file: Path, key: str) -> frozenset[str]:
    if not isinstance(values, list):
        raise ContractError("expected a list of statuses", file=str(file), key=key)
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ContractError(f"{unknown} not in the status enum {list(known)}", file=str(file), key=key)
    return frozenset(values)


def _operations(openapi: Mapping[str, Any], file: Path) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    by_kind: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for path, item in _get(openapi, "paths", file, dict).items():
        for method, op in item.items():
            if isinstance(op, dict) and "x-gatewatch-operation" in op:
                by_kind.setdefault(op["x-gatewatch-operation"], []).append(
                    (path, {**op, "method": method.upper()})
                )
    for kind in ("send", "lookup", "batch"):
        if kind not in by_kind:
            raise ContractError(
                f"no operation with x-gatewatch-operation: {kind}", file=str(file), key="paths"
            )
    return by_kind


def _codes(op: Mapping[str, Any]) -> frozenset[int]:
    return frozenset(int(code) for code in op.get("responses", {}))


def _build(
    root: Path,
    openapi: dict[str, Any],
    rules_doc: dict[str, Any],
    schemas: dict[str, dict[str, Any]],
) -> Contract:
    openapi_file, rules_file, folder = root / "openapi.yaml", root / "rules.yaml", root / "schemas"
    channels = _enum(schemas, "channel.json", folder)
    statuses = _enum(schemas, "status.json", folder)

    ops = _operations(openapi, openapi_file)
    send_paths: dict[str, str] = {}
    send_codes: set[int] = set()
    for path, op in ops["send"]:
        channel = op.get("x-channel")
        if channel not in channels:
            raise ContractError(
                f"x-channel {channel!r} is not in the channel enum {list(channels)}",
                file=str(openapi_file),
                key=f"paths.{path}",
            )
        send_paths[channel] = path
        send_codes |= _codes(op)
    missing = [c for c in channels if c not in send_paths]
    if missing:
        raise ContractError(f"channels {missing} have no send operation", file=str(openapi_file), key="paths")

    lc = _get(rules_doc, "lifecycle", rules_file, dict)
    transitions_doc = _get(rules_doc, "lifecycle.transitions", rules_file, dict)
    transitions = {
        _one_status(src, statuses, rules_file): _statuses_in(
            dst, statuses, rules_file, f"lifecycle.transitions.{src}"
        )
        for src, dst in transitions_doc.items()
    }
    final = _statuses_in(lc.get("final"), statuses, rules_file, "lifecycle.final")
    if any(transitions.get(s) for s in final):
        raise ContractError("a final status may not have transitions", file=str(rules_file), key="lifecycle")

    recipients: dict[str, Recipient] = {}
    for outcome, spec in _get(rules_doc, "test_recipients.outcomes", rules_file, dict).items():
        key = f"test_recipients.outcomes.{outcome}"
        if not isinstance(spec, dict) or not isinstance(spec.get("suffix"), str):
            raise ContractError("expected {suffix: str, path: [...]}", file=str(rules_file), key=key)
        _statuses_in(spec.get("path"), statuses, rules_file, key + ".path")
        steps = tuple(spec["path"])
        recipients[outcome] = Recipient(outcome, spec["suffix"], steps, spec.get("reason"))
    default_outcome = _get(rules_doc, "test_recipients.default", rules_file, str)
    if default_outcome not in recipients:
        raise ContractError(
            f"{default_outcome!r} is not one of {list(recipients)}",
            file=str(rules_file),
            key="test_recipients.default",
        )

    rules: dict[str, Rule] = {}
    for rule_id, spec in _get(rules_doc, "rules", rules_file, dict).items():
        if not isinstance(spec, dict) or spec.get("provenance") not in PROVENANCES:
            raise ContractError(
                "expected provenance: documented or pinned",
                file=str(rules_file),
                key=f"rules.{rule_id}",
            )
        rules[rule_id] = Rule(rule_id, spec["provenance"], str(spec.get("summary", "")))

    limits = _get(rules_doc, "limits", rules_file, dict)
    contract = Contract(
        root=root,
        openapi=openapi,
        schemas=schemas,
        channels=channels,
        statuses=statuses,
        initial_statuses=_statuses_in(lc.get("initial"), statuses, rules_file, "lifecycle.initial"),
        transitions={s: transitions.get(s, frozenset()) for s in statuses},
        final_statuses=final,
        needs_reason=_statuses_in(lc.get("needs_reason", []), statuses, rules_file, "lifecycle.needs_reason"),
        recipients=recipients,
        default_outcome=default_outcome,
        send_paths=send_paths,
        lookup_path=ops["lookup"][0][0],
        batch_path=ops["batch"][0][0],
        response_codes={
            "send": frozenset(send_codes),
            "lookup": _codes(ops["lookup"][0][1]),
            "batch": _codes(ops["batch"][0][1]),
        },
        response_schemas=_response_schemas(openapi, contract_json_type(rules_doc, rules_file)),
        batch_max_ids=_get(limits, "batch_max_ids", rules_file, int),
        batch_separator=_get(limits, "batch_separator", rules_file, str),
        send_body_max_bytes=_get(limits, "send_body_max_bytes", rules_file, int),
        send_success_codes=frozenset(_get(limits, "send_success_codes", rules_file, list)),
        unknown_id_codes=frozenset(_get(limits, "unknown_id_codes", rules_file, list)),
        json_content_type=_get(limits, "json_content_type", rules_file, str),
        retry_delays_s=tuple(
            float(d) for d in _get(rules_doc, "server_errors.retry_delays_s", rules_file, list)
        ),
        auth_header=_get(rules_doc, "auth.header", rules_file, str),
        auth_scheme=_get(rules_doc, "auth.scheme", rules_file, str),
        rules=rules,
    )
    contract._validators.update(_compile(schemas))
    return contract


def contract_json_type(rules_doc: Mapping[str, Any], file: Path) -> str:
    """The media type JSON answers carry (limits.json_content_type)."""
    value: str = _get(rules_doc, "limits.json_content_type", file, str)
    return value


def _response_schemas(openapi: Mapping[str, Any], media: str) -> dict[tuple[str, int], str]:
    components = openapi.get("components", {}).get("responses", {})
    found: dict[tuple[str, int], str] = {}
    for item in openapi.get("paths", {}).values():
        for op in item.values():
            if not isinstance(op, dict) or "x-gatewatch-operation" not in op:
                continue
            for code, declared in op.get("responses", {}).items():
                response = declared
                if "$ref" in declared:
                    response = components.get(declared["$ref"].rsplit("/", 1)[-1], {})
                ref = response.get("content", {}).get(media, {}).get("schema", {}).get("$ref")
                if isinstance(ref, str):
                    found[(op["x-gatewatch-operation"], int(code))] = ref.rsplit("/", 1)[-1]
    return found


def _one_status(value: str, statuses: tuple[str, ...], file: Path) -> str:
    if value not in statuses:
        raise ContractError(
            f"{value!r} is not in the status enum {list(statuses)}",
            file=str(file),
            key=f"lifecycle.transitions.{value}",
        )
    return value


def _compile(schemas: Mapping[str, Mapping[str, Any]]) -> dict[str, Draft202012Validator]:
    resources = [
        (name, Resource.from_contents(dict(schema), default_specification=DRAFT202012))
        for name, schema in schemas.items()
    ]
    registry: Registry[Any] = Registry().with_resources(resources)
    checker = FormatChecker()
    return {
        name: Draft202012Validator(dict(schema), registry=registry, format_checker=checker)
        for name, schema in schemas.items()
    }
