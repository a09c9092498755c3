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
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from gatewatch.contract import metaschemas, shapes, webhooks
from gatewatch.contract.contract import Contract
from gatewatch.contract.ecma import compile_schemas
from gatewatch.contract.extends import RULES_FILE, RulesChain, read_rules
from gatewatch.contract.model import PATH_NOT_FOUND, AliasGroup, Codes, Precedence, Recipient, Rule
from gatewatch.core.errors import ContractError
from gatewatch.core.yamlfile import read_yaml

CONTRACTS_ENV = "GATEWATCH_CONTRACTS"
DIALECTS_DIR = "dialects"
DEFAULT_DIALECT = "vendor"


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
    renames = _renames(rules_doc)
    if renames:
        schemas = {name: shapes.rename_properties(schema, renames) for name, schema in schemas.items()}
        openapi = shapes.rename_parameters(openapi, renames)
    return _build(root, openapi, chain, schemas)


def _read_yaml(path: Path) -> dict[str, Any]:
    data = read_yaml(path, error=ContractError)
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


def _renames(rules_doc: Mapping[str, Any]) -> dict[str, str]:
    renames: dict[str, str] = (rules_doc.get("names") or {}).get("renames") or {}
    return renames


def _enum(schemas: Mapping[str, Mapping[str, Any]], name: str, folder: Path) -> tuple[str, ...]:
    schema = schemas.get(name)
    values = schema.get("enum") if schema else None
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ContractError("expected a non-empty string enum", file=str(folder / name), key="enum")
    return tuple(values)


def _statuses_in(values: list[str], known: tuple[str, ...], chain: RulesChain, key: str) -> frozenset[str]:
    """`values` (rules.yaml's at `key`), each checked against the status enum (schemas/status.json)."""
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ContractError(
            f"{unknown} not in the status enum {list(known)}", file=_says(chain, key), key=key
        )
    return frozenset(values)


def _rules(rules_doc: Mapping[str, Any]) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for rule_id, spec in rules_doc["rules"].items():
        enabled = spec.get("enabled", True)
        rules[rule_id] = Rule(
            rule_id,
            spec["provenance"],
            str(spec.get("summary", "")),
            spec.get("source"),
            enabled,
            None if enabled else spec["reason"],
        )
    return rules


def _says(chain: RulesChain, dotted: str) -> str:
    """The rules.yaml of the chain that says `dotted`, for an error naming the file to edit."""
    return str(chain.file_of(dotted.split(".")))


def _recipients(chain: RulesChain, statuses: tuple[str, ...]) -> tuple[dict[str, Recipient], str]:
    rules_doc = chain.document
    recipients: dict[str, Recipient] = {}
    for outcome, spec in rules_doc["test_recipients"]["outcomes"].items():
        _statuses_in(spec["path"], statuses, chain, f"test_recipients.outcomes.{outcome}.path")
        recipients[outcome] = Recipient(outcome, spec["suffix"], tuple(spec["path"]), spec.get("reason"))
    default_outcome: str = rules_doc["test_recipients"]["default"]
    if default_outcome not in recipients:
        raise ContractError(
            f"{default_outcome!r} is not one of {list(recipients)}",
            file=_says(chain, "test_recipients.default"),
            key="test_recipients.default",
        )
    return recipients, default_outcome


@dataclass(frozen=True, slots=True)
class _Lifecycle:
    initial: frozenset[str]
    transitions: dict[str, frozenset[str]]
    final: frozenset[str]
    needs_reason: frozenset[str]


def _lifecycle(chain: RulesChain, statuses: tuple[str, ...]) -> _Lifecycle:
    """rules.yaml lifecycle, every status checked against schemas/status.json."""
    doc = chain.document["lifecycle"]
    transitions: dict[str, frozenset[str]] = {}
    for src, dst in doc["transitions"].items():
        key = f"lifecycle.transitions.{src}"
        if src not in statuses:
            raise ContractError(
                f"{src!r} is not in the status enum {list(statuses)}", file=_says(chain, key), key=key
            )
        transitions[src] = _statuses_in(dst, statuses, chain, key)
    final = _statuses_in(doc["final"], statuses, chain, "lifecycle.final")
    if any(transitions.get(s) for s in final):
        raise ContractError(
            "a final status may not have transitions", file=_says(chain, "lifecycle"), key="lifecycle"
        )
    return _Lifecycle(
        initial=_statuses_in(doc["initial"], statuses, chain, "lifecycle.initial"),
        transitions={s: transitions.get(s, frozenset()) for s in statuses},
        final=final,
        needs_reason=_statuses_in(doc.get("needs_reason", []), statuses, chain, "lifecycle.needs_reason"),
    )


def _aliases(rules_doc: Mapping[str, Any]) -> tuple[AliasGroup, ...]:
    groups = (rules_doc.get("names") or {}).get("aliases") or []
    return tuple(AliasGroup(tuple(group["names"]), group["source"]) for group in groups)


def _precedence(rules_doc: Mapping[str, Any], codes: Codes) -> Precedence:
    order = tuple(rules_doc["error_precedence"]["order"])
    return Precedence(
        order, {role: codes.not_found if role == PATH_NOT_FOUND else codes.of(role) for role in order}
    )


def _build(
    root: Path,
    openapi: dict[str, Any],
    chain: RulesChain,
    schemas: dict[str, dict[str, Any]],
) -> Contract:
    """The Contract of schema-checked documents, after the checks across files."""
    openapi_file, folder, rules_doc = root / "openapi.yaml", root / "schemas", chain.document
    channels = _enum(schemas, "channel.json", folder)
    statuses = _enum(schemas, "status.json", folder)
    codes = Codes(**rules_doc["codes"])
    limits = rules_doc["limits"]
    media: str = limits["json_content_type"]
    ops = shapes.operations(openapi, openapi_file, channels)
    lifecycle = _lifecycle(chain, statuses)
    recipients, default_outcome = _recipients(chain, statuses)
    response_schemas = shapes.response_schemas(openapi, media)
    schema_files = shapes.schema_files(openapi, response_schemas, codes, media, openapi_file)
    missing = sorted(set(schema_files.values()) - set(schemas))
    if missing:
        raise ContractError(f"openapi.yaml refers to schemas {missing} that are not there", file=str(folder))
    contract = Contract(
        root=root,
        dialect=str(rules_doc.get("dialect", root.name)),
        openapi=openapi,
        schemas=schemas,
        channels=channels,
        statuses=statuses,
        initial_statuses=lifecycle.initial,
        transitions=lifecycle.transitions,
        final_statuses=lifecycle.final,
        needs_reason=lifecycle.needs_reason,
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
        send=shapes.send_shape(
            schemas,
            schema_files,
            folder,
            success_codes=frozenset(limits["send_success_codes"]),
            body_max_bytes=limits["send_body_max_bytes"],
        ),
        batch=shapes.batch_shape(
            schemas,
            schema_files["batch_body"],
            folder,
            ids_param=ops.ids_param,
            separator=limits["batch_separator"],
            max_ids=limits["batch_max_ids"],
            over_limit_codes=frozenset(limits["batch_over_limit_codes"]),
            max_items=ops.ids_max_items,
            ok=codes.ok,
            rules_file=chain.file_of(("limits", "batch_max_ids")),
            openapi_file=openapi_file,
        ),
        error=shapes.error_shape(schemas, schema_files["error_body"], folder),
        rate_limits=shapes.rate_limits(rules_doc, chain.file_of(("rate_limits",)), schemas, schema_files),
        precedence=_precedence(rules_doc, codes),
        unknown_id_codes=frozenset(limits["unknown_id_codes"]),
        http_layer_codes=frozenset(limits["http_layer_codes"]),
        json_content_type=media,
        updated_at_utc_only=rules_doc["updated_at"]["utc_only"],
        retry_delays_s=tuple(float(d) for d in rules_doc["server_errors"]["retry_delays_s"]),
        aliases=_aliases(rules_doc),
        rules=_rules(rules_doc),
        webhooks=webhooks.build(
            rules_doc["webhooks"],
            shapes.registration(
                schemas,
                schema_files,
                folder,
                path=ops.webhook_path,
                scheme=rules_doc["webhooks"]["callback_scheme"],
                methods=ops.webhook_methods,
            ),
            statuses=statuses,
            schemas=schemas,
            rules_file=chain.file_of(("webhooks",)),
        ),
    )
    contract._validators.update(compile_schemas(schemas))
    return contract
