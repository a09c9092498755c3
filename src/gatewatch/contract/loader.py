"""Load contracts/ (OpenAPI, JSON Schemas, rules.yaml) into one immutable Contract.

Everything the simulator serves and every check expects comes from here: channels and
statuses from the schemas' enums; paths, parameters and auth from the OpenAPI document;
field names from the schemas' `x-role` properties; the lifecycle, codes, limits, rate
limits, precedence and test recipients from rules.yaml. One edit in contracts/ changes
them all. A dialect is a folder of these files: `contracts/` is the vendor's,
`contracts/dialects/<name>/` the others; a dialect's rules.yaml may extend another's
(gatewatch.contract.extends).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from gatewatch.contract import metaschemas, shapes
from gatewatch.contract.contract import Contract
from gatewatch.contract.ecma import compile_schemas
from gatewatch.contract.extends import RULES_FILE, read_rules
from gatewatch.contract.model import PROVENANCES, AliasGroup, Codes, Precedence, Recipient, Rule
from gatewatch.errors import ContractError

CONTRACTS_ENV = "GATEWATCH_CONTRACTS"
DIALECTS_DIR = "dialects"
DEFAULT_DIALECT = "vendor"
# Precedence roles that are not code names.
_PATH_NOT_FOUND = "path_not_found"


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


def dialect_names() -> tuple[str, ...]:
    """The dialects that ship: the default one, then those under contracts/dialects/."""
    folder = _shipped_root() / DIALECTS_DIR
    others = sorted(p.name for p in folder.iterdir() if (p / RULES_FILE).is_file()) if folder.is_dir() else []
    return (DEFAULT_DIALECT, *others)


def _shipped_dialects() -> dict[str, Path]:
    """Each shipped dialect's folder by name: what `extends: <name>` may name."""
    return {name: contracts_dir(name) for name in dialect_names()}


def _shipped_root() -> Path:
    here = Path(__file__).resolve()
    checkout = here.parents[3] / "contracts"
    return checkout if (checkout / "openapi.yaml").is_file() else here.parents[1] / "_contracts"


def contracts_dir(choice: str | Path | None) -> Path:
    """The folder for --contracts: a dialect name (vendor, strict), a path, or None (the default)."""
    if choice is None or str(choice) == "":
        return packaged_contracts_dir()
    text = str(choice)
    if text == DEFAULT_DIALECT:
        return _shipped_root()
    shipped = _shipped_root() / DIALECTS_DIR / text
    if "/" not in text and (shipped / RULES_FILE).is_file():
        return shipped
    path = Path(choice)
    if not (path / "openapi.yaml").is_file():
        raise ContractError(
            f"not a dialect ({', '.join(dialect_names())}) nor a folder with openapi.yaml",
            key="--contracts",
            file=text,
        )
    return path


@cache
def default_contract() -> Contract:
    """The contract gatewatch runs with unless told otherwise (loaded once per process)."""
    return load_contract(packaged_contracts_dir())


@cache
def _load_cached(root: str) -> Contract:
    return _load(Path(root))


def resolve_contract(choice: str | Path | None) -> Contract:
    """The contract for --contracts (a dialect name, a path, or None), loaded once per folder."""
    if choice is None or str(choice) == "":
        return default_contract()
    return _load_cached(str(contracts_dir(choice).resolve()))


def load_contract(root: Path | str) -> Contract:
    """Load and cross-check the contract in directory `root`; raise ContractError if broken."""
    return _load(Path(root))


def _load(root: Path) -> Contract:
    openapi = _read_yaml(root / "openapi.yaml")
    metaschemas.check_openapi(openapi, root / "openapi.yaml")
    chain = read_rules(root / RULES_FILE, _read_yaml, _shipped_dialects())
    rules_doc = chain.document
    metaschemas.check_rules(rules_doc, root / RULES_FILE, locate=chain.file_of)
    schemas = _read_schemas(root / "schemas")
    renames = _renames(rules_doc, root / RULES_FILE)
    if renames:
        schemas = {name: shapes.rename_properties(schema, renames) for name, schema in schemas.items()}
        openapi = shapes.rename_parameters(openapi, renames)
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
        metaschemas.check_json_schema(schemas[path.name], path)
    return schemas


def get(doc: Mapping[str, Any], dotted: str, file: Path, expected: type | tuple[type, ...]) -> Any:
    """The value at `dotted` in `doc`, of type `expected`; ContractError names file and key."""
    node: Any = doc
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise ContractError(f"missing, expected {_type_name(expected)}", file=str(file), key=dotted)
        node = node[part]
    if not isinstance(node, expected) or (isinstance(node, bool) and bool not in _types(expected)):
        raise ContractError(
            f"expected {_type_name(expected)}, got {type(node).__name__}", file=str(file), key=dotted
        )
    return node


def _types(expected: type | tuple[type, ...]) -> tuple[type, ...]:
    return expected if isinstance(expected, tuple) else (expected,)


def _type_name(expected: type | tuple[type, ...]) -> str:
    return " or ".join(t.__name__ for t in _types(expected))


def _renames(rules_doc: Mapping[str, Any], file: Path) -> dict[str, str]:
    names = rules_doc.get("names", {})
    renames = names.get("renames", {}) if isinstance(names, dict) else None
    if renames is None:
        return {}
    if not isinstance(renames, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in renames.items()
    ):
        raise ContractError("expected a mapping of old name: new name", file=str(file), key="names.renames")
    return dict(renames)


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


def _int_list(doc: Mapping[str, Any], dotted: str, file: Path) -> frozenset[int]:
    values = get(doc, dotted, file, list)
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ContractError("expected a non-empty list of HTTP codes", file=str(file), key=dotted)
    return frozenset(values)


def _codes(rules_doc: Mapping[str, Any], file: Path) -> Codes:
    doc = get(rules_doc, "codes", file, dict)
    names = Codes.__slots__
    missing = [n for n in names if n not in doc]
    unknown = sorted(set(doc) - set(names))
    if missing or unknown:
        raise ContractError(f"expected exactly the codes {list(names)}", file=str(file), key="codes")
    for name in names:
        get(rules_doc, f"codes.{name}", file, int)
    return Codes(**{name: doc[name] for name in names})


def _rules(rules_doc: Mapping[str, Any], file: Path) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for rule_id, spec in get(rules_doc, "rules", file, dict).items():
        key = f"rules.{rule_id}"
        if not isinstance(spec, dict) or spec.get("provenance") not in PROVENANCES:
            raise ContractError(f"expected provenance: {', '.join(PROVENANCES)}", file=str(file), key=key)
        if spec["provenance"] == "vendor" and not isinstance(spec.get("source"), str):
            raise ContractError("a vendor rule names its page: source", file=str(file), key=key)
        enabled = spec.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ContractError("expected enabled: true or false", file=str(file), key=f"{key}.enabled")
        reason = spec.get("reason")
        if not enabled and not (isinstance(reason, str) and reason.strip()):
            raise ContractError("a rule switched off says why: reason", file=str(file), key=key)
        rules[rule_id] = Rule(
            rule_id,
            spec["provenance"],
            str(spec.get("summary", "")),
            spec.get("source"),
            enabled,
            reason if not enabled else None,
        )
    return rules


def _recipients(
    rules_doc: Mapping[str, Any], statuses: tuple[str, ...], file: Path
) -> tuple[dict[str, Recipient], str]:
    recipients: dict[str, Recipient] = {}
    for outcome, spec in get(rules_doc, "test_recipients.outcomes", file, dict).items():
        key = f"test_recipients.outcomes.{outcome}"
        if not isinstance(spec, dict) or not isinstance(spec.get("suffix"), str):
            raise ContractError("expected {suffix: str, path: [...]}", file=str(file), key=key)
        _statuses_in(spec.get("path"), statuses, file, key + ".path")
        if not spec["path"]:
            raise ContractError("expected at least one status", file=str(file), key=key + ".path")
        recipients[outcome] = Recipient(outcome, spec["suffix"], tuple(spec["path"]), spec.get("reason"))
    default_outcome = get(rules_doc, "test_recipients.default", file, str)
    if default_outcome not in recipients:
        raise ContractError(
            f"{default_outcome!r} is not one of {list(recipients)}",
            file=str(file),
            key="test_recipients.default",
        )
    return recipients, default_outcome


def _aliases(rules_doc: Mapping[str, Any], file: Path) -> tuple[AliasGroup, ...]:
    names = rules_doc.get("names", {})
    groups = names.get("aliases", []) if isinstance(names, dict) else []
    found: list[AliasGroup] = []
    if not isinstance(groups, list):
        raise ContractError("expected a list of {names, source}", file=str(file), key="names.aliases")
    for i, group in enumerate(groups):
        key = f"names.aliases[{i}]"
        if not (
            isinstance(group, dict)
            and isinstance(group.get("names"), list)
            and len(group["names"]) >= 2
            and all(isinstance(n, str) and n for n in group["names"])
            and isinstance(group.get("source"), str)
        ):
            raise ContractError("expected {names: [two or more], source: text}", file=str(file), key=key)
        found.append(AliasGroup(tuple(group["names"]), group["source"]))
    return tuple(found)


def _precedence(rules_doc: Mapping[str, Any], codes: Codes, file: Path) -> Precedence:
    order = get(rules_doc, "error_precedence.order", file, list)
    known = {_PATH_NOT_FOUND: codes.not_found, **{name: codes.of(name) for name in Codes.__slots__}}
    bad = [role for role in order if role not in known]
    if bad or len(set(order)) != len(order):
        raise ContractError(
            f"expected distinct roles among {sorted(known)}, got {bad or order}",
            file=str(file),
            key="error_precedence.order",
        )
    return Precedence(tuple(order), {role: known[role] for role in order})


def _build(
    root: Path,
    openapi: dict[str, Any],
    rules_doc: dict[str, Any],
    schemas: dict[str, dict[str, Any]],
) -> Contract:
    openapi_file, rules_file, folder = root / "openapi.yaml", root / "rules.yaml", root / "schemas"
    channels = _enum(schemas, "channel.json", folder)
    statuses = _enum(schemas, "status.json", folder)
    codes = _codes(rules_doc, rules_file)
    media = get(rules_doc, "limits.json_content_type", rules_file, str)
    ops = shapes.operations(openapi, openapi_file, channels)

    lc = get(rules_doc, "lifecycle", rules_file, dict)
    transitions_doc = get(rules_doc, "lifecycle.transitions", rules_file, dict)
    transitions: dict[str, frozenset[str]] = {}
    for src, dst in transitions_doc.items():
        if src not in statuses:
            raise ContractError(
                f"{src!r} is not in the status enum {list(statuses)}",
                file=str(rules_file),
                key=f"lifecycle.transitions.{src}",
            )
        transitions[src] = _statuses_in(dst, statuses, rules_file, f"lifecycle.transitions.{src}")
    final = _statuses_in(lc.get("final"), statuses, rules_file, "lifecycle.final")
    if any(transitions.get(s) for s in final):
        raise ContractError("a final status may not have transitions", file=str(rules_file), key="lifecycle")
    recipients, default_outcome = _recipients(rules_doc, statuses, rules_file)

    response_schemas = shapes.response_schemas(openapi, media)
    schema_files = shapes.schema_files(openapi, response_schemas, codes, media, openapi_file)
    missing = sorted(set(schema_files.values()) - set(schemas))
    if missing:
        raise ContractError(f"openapi.yaml refers to schemas {missing} that are not there", file=str(folder))
    limits = get(rules_doc, "limits", rules_file, dict)
    send_shape = shapes.send_shape(
        schemas,
        schema_files,
        folder,
        success_codes=_int_list(rules_doc, "limits.send_success_codes", rules_file),
        body_max_bytes=get(limits, "send_body_max_bytes", rules_file, int),
    )
    contract = Contract(
        root=root,
        dialect=str(rules_doc.get("dialect", root.name)),
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
        send_paths=ops.send_paths,
        lookup_path=ops.lookup_path,
        batch_path=ops.batch_path,
        id_param=ops.id_param,
        channel_param=ops.channel_param,
        response_codes=ops.response_codes,
        response_schemas=response_schemas,
        schema_files=schema_files,
        codes=codes,
        auth=shapes.auth(openapi, openapi_file),
        fields=shapes.status_fields(schemas, schema_files["status_body"], folder),
        send=send_shape,
        batch=shapes.batch_shape(
            schemas,
            schema_files["batch_body"],
            folder,
            ids_param=ops.ids_param,
            separator=get(limits, "batch_separator", rules_file, str),
            max_ids=get(limits, "batch_max_ids", rules_file, int),
            over_limit_codes=_int_list(rules_doc, "limits.batch_over_limit_codes", rules_file),
            max_items=ops.ids_max_items,
            ok=codes.ok,
            rules_file=rules_file,
            openapi_file=openapi_file,
        ),
        error=shapes.error_shape(schemas, schema_files["error_body"], folder),
        rate_limits=shapes.rate_limits(rules_doc, rules_file, schemas, schema_files),
        precedence=_precedence(rules_doc, codes, rules_file),
        unknown_id_codes=_int_list(rules_doc, "limits.unknown_id_codes", rules_file),
        http_layer_codes=_int_list(rules_doc, "limits.http_layer_codes", rules_file),
        json_content_type=media,
        updated_at_utc_only=get(rules_doc, "updated_at.utc_only", rules_file, bool),
        retry_delays_s=tuple(
            float(d) for d in get(rules_doc, "server_errors.retry_delays_s", rules_file, list)
        ),
        aliases=_aliases(rules_doc, rules_file),
        rules=_rules(rules_doc, rules_file),
    )
    contract._validators.update(compile_schemas(schemas))
    return contract
