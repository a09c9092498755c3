"""What the loader reads off the OpenAPI document and the schemas: operations, names, shapes.

Fields are found by their `x-role` in the schemas and parameters by their `x-role` in
the OpenAPI document, so renaming a field is a data change; which schema is which comes
from the operations' responses, not from file names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatewatch.contract.model import (
    Auth,
    BatchShape,
    Codes,
    ErrorShape,
    Provenance,
    RateLimits,
    SendShape,
    StatusFields,
)
from gatewatch.contract.operations import CONTRACT_OPERATIONS, WEBHOOK_OPERATIONS, Operation
from gatewatch.contract.webhooks import Registration
from gatewatch.core.errors import ContractError
from gatewatch.core.ratelimit import DEFAULT_PACE_FRACTION, RateLimit

OPERATION_KEY = "x-gatewatch-operation"


@dataclass(frozen=True, slots=True)
class Operations:
    """The operations' paths, parameter names and answer codes."""

    send_paths: dict[str, str]
    lookup_path: str
    batch_path: str
    id_param: str
    channel_param: str
    ids_param: str
    #: The batch ids parameter's maxItems (a hard limit on the count), None when unbounded.
    ids_max_items: int | None
    response_codes: dict[Operation, frozenset[int]]
    request_schema: str | None
    #: The webhook registration's path (one path, one operation per method).
    webhook_path: str
    webhook_request_schema: str | None
    webhook_methods: dict[Operation, str]


# -- renames --------------------------------------------------------------------------


def rename_properties(schema: Mapping[str, Any], renames: Mapping[str, str]) -> dict[str, Any]:
    """`schema` with every property (and `required` entry) named in `renames` renamed."""

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                out[key] = {renames.get(name, name): walk(spec) for name, spec in value.items()}
            elif key == "required" and isinstance(value, list):
                out[key] = [renames.get(name, name) for name in value]
            else:
                out[key] = walk(value)
        return out

    result: dict[str, Any] = walk(schema)
    return result


def rename_parameters(openapi: Mapping[str, Any], renames: Mapping[str, str]) -> dict[str, Any]:
    """`openapi` with every parameter named in `renames` renamed (paths keep their text)."""

    def walk(node: Any, in_parameters: bool) -> Any:
        if isinstance(node, list):
            return [walk(item, in_parameters) for item in node]
        if not isinstance(node, dict):
            return node
        out = {
            k: walk(v, k in ("parameters",) or (in_parameters and k not in ("schema",)))
            for k, v in node.items()
        }
        if in_parameters and isinstance(out.get("name"), str) and "in" in out:
            out["name"] = renames.get(out["name"], out["name"])
        return out

    result: dict[str, Any] = walk(openapi, False)
    return result


# -- operations -----------------------------------------------------------------------


def _ref_name(ref: object) -> str | None:
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _resolve(openapi: Mapping[str, Any], node: Mapping[str, Any], section: str) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/"):
        found = openapi.get("components", {}).get(section, {}).get(ref.rsplit("/", 1)[-1])
        return found if isinstance(found, Mapping) else {}
    return node


def _parameter(openapi: Mapping[str, Any], op: Mapping[str, Any], role: str, file: Path, where: str) -> str:
    name: str = _declared(openapi, op, role, file, where)["name"]
    return name


def _declared(
    openapi: Mapping[str, Any], op: Mapping[str, Any], role: str, file: Path, where: str
) -> Mapping[str, Any]:
    for declared in op.get("parameters", []):
        param = _resolve(openapi, declared, "parameters")
        if param.get("x-role") == role and isinstance(param.get("name"), str):
            return param
    raise ContractError(f"no parameter with x-role: {role}", file=str(file), key=where)


def _max_items(param: Mapping[str, Any]) -> int | None:
    schema = param.get("schema", {})
    bound = schema.get("maxItems") if isinstance(schema, Mapping) else None
    return bound if isinstance(bound, int) and not isinstance(bound, bool) else None


def operations(openapi: Mapping[str, Any], file: Path, channels: tuple[str, ...]) -> Operations:
    """The send, lookup and batch operations of `openapi`, checked against the channels."""
    by_kind = _operations_by_kind(openapi, file)
    send = _send_operations(openapi, by_kind[Operation.SEND], file, channels)
    lookup_path, lookup = by_kind[Operation.LOOKUP][0]
    batch_path, batch = by_kind[Operation.BATCH][0]
    webhook_path, webhook = _webhook_operations(by_kind, file)
    return Operations(
        send_paths=send.paths,
        lookup_path=lookup_path,
        batch_path=batch_path,
        id_param=_parameter(openapi, lookup, "id", file, f"paths.{lookup_path}"),
        channel_param=_parameter(openapi, lookup, "channel", file, f"paths.{lookup_path}"),
        ids_param=_parameter(openapi, batch, "ids", file, f"paths.{batch_path}"),
        ids_max_items=_max_items(_declared(openapi, batch, "ids", file, f"paths.{batch_path}")),
        response_codes={
            Operation.SEND: send.codes,
            Operation.LOOKUP: _codes_of(lookup),
            Operation.BATCH: _codes_of(batch),
            **{op: _codes_of(by_kind[op][0][1]) for op in WEBHOOK_OPERATIONS},
        },
        request_schema=send.request_schema,
        webhook_path=webhook_path,
        webhook_request_schema=_request_schema(openapi, webhook),
        webhook_methods={op: by_kind[op][0][1]["method"] for op in WEBHOOK_OPERATIONS},
    )


def _webhook_operations(by_kind: Mapping[str, _Tagged], file: Path) -> tuple[str, dict[str, Any]]:
    """The webhook registration's path (every webhook_* operation on it, once) and its POST."""
    paths = {path for op in WEBHOOK_OPERATIONS for path, _ in by_kind[op]}
    if len(paths) != 1 or any(len(by_kind[op]) != 1 for op in WEBHOOK_OPERATIONS):
        raise ContractError(
            f"expected each {OPERATION_KEY} webhook_* once, all on one path (found {sorted(paths)})",
            file=str(file),
            key="paths",
        )
    return by_kind[Operation.WEBHOOK_CREATE][0]


def _request_schema(openapi: Mapping[str, Any], op: Mapping[str, Any]) -> str | None:
    body = _resolve(openapi, op.get("requestBody", {}), "requestBodies")
    for media in body.get("content", {}).values():
        name = _ref_name(media.get("schema", {}).get("$ref"))
        if name is not None:
            return name
    return None


_Tagged = list[tuple[str, dict[str, Any]]]


def _operations_by_kind(openapi: Mapping[str, Any], file: Path) -> dict[str, _Tagged]:
    """(path, operation) by x-gatewatch-operation; each kind must have one at least."""
    paths = openapi.get("paths")
    if not isinstance(paths, dict):
        raise ContractError("missing, expected a mapping", file=str(file), key="paths")
    by_kind: dict[str, _Tagged] = {}
    for path, item in paths.items():
        for method, op in item.items():
            if isinstance(op, dict) and OPERATION_KEY in op:
                by_kind.setdefault(op[OPERATION_KEY], []).append((path, {**op, "method": method.upper()}))
    for kind in CONTRACT_OPERATIONS:
        if kind not in by_kind:
            raise ContractError(f"no operation with {OPERATION_KEY}: {kind}", file=str(file), key="paths")
    return by_kind


@dataclass(frozen=True, slots=True)
class _Send:
    paths: dict[str, str]
    codes: frozenset[int]
    request_schema: str | None


def _send_operations(
    openapi: Mapping[str, Any], tagged: _Tagged, file: Path, channels: tuple[str, ...]
) -> _Send:
    """The send operations: one per channel (x-channel), their codes and request schema."""
    paths: dict[str, str] = {}
    codes: set[int] = set()
    request_schema: str | None = None
    for path, op in tagged:
        channel = op.get("x-channel")
        if channel not in channels:
            raise ContractError(
                f"x-channel {channel!r} is not in the channel enum {list(channels)}",
                file=str(file),
                key=f"paths.{path}",
            )
        paths[channel] = path
        codes |= _codes_of(op)
        body = _resolve(openapi, op.get("requestBody", {}), "requestBodies")
        for media in body.get("content", {}).values():
            request_schema = request_schema or _ref_name(media.get("schema", {}).get("$ref"))
    missing = [c for c in channels if c not in paths]
    if missing:
        raise ContractError(f"channels {missing} have no send operation", file=str(file), key="paths")
    return _Send(paths, frozenset(codes), request_schema)


def _codes_of(op: Mapping[str, Any]) -> frozenset[int]:
    return frozenset(int(code) for code in op.get("responses", {}))


def response_schemas(openapi: Mapping[str, Any], media: str) -> dict[tuple[str, int], str]:
    """(operation kind, status code) -> the schema file its JSON body must match."""
    found: dict[tuple[str, int], str] = {}
    for item in openapi.get("paths", {}).values():
        for op in item.values():
            if not isinstance(op, dict) or OPERATION_KEY not in op:
                continue
            for code, declared in op.get("responses", {}).items():
                response = _resolve(openapi, declared, "responses")
                name = _ref_name(response.get("content", {}).get(media, {}).get("schema", {}).get("$ref"))
                if name is not None:
                    found[(op[OPERATION_KEY], int(code))] = name
    return found


def schema_files(
    openapi: Mapping[str, Any],
    by_answer: Mapping[tuple[str, int], str],
    codes: Codes,
    media: str,
    file: Path,
) -> dict[str, str]:
    """The schema file of each role, found through the operations."""
    ops = operations(openapi, file, _any_channels(openapi))
    roles: dict[str, str | None] = {
        "status_body": by_answer.get((Operation.LOOKUP, codes.ok)),
        "batch_body": by_answer.get((Operation.BATCH, codes.ok)),
        "send_request": ops.request_schema,
        "send_response": next(
            (
                by_answer[(Operation.SEND, c)]
                for c in sorted(ops.response_codes[Operation.SEND])
                if (Operation.SEND, c) in by_answer and c < 300
            ),
            None,
        ),
        "error_body": by_answer.get((Operation.LOOKUP, codes.not_found)),
        "webhook_registration": by_answer.get((Operation.WEBHOOK_GET, codes.ok)),
        "webhook_request": ops.webhook_request_schema,
    }
    missing = sorted(role for role, name in roles.items() if name is None)
    if missing:
        raise ContractError(f"no schema found for {missing}", file=str(file), key="paths")
    found = {role: name for role, name in roles.items() if name is not None}
    throttled = by_answer.get((Operation.LOOKUP, codes.too_many_requests))
    if throttled is not None:
        found["rate_limit_body"] = throttled
    return found


def _any_channels(openapi: Mapping[str, Any]) -> tuple[str, ...]:
    found = []
    for item in openapi.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict) and op.get(OPERATION_KEY) == Operation.SEND:
                found.append(op.get("x-channel"))
    return tuple(c for c in found if isinstance(c, str))


# -- auth -----------------------------------------------------------------------------


def auth(openapi: Mapping[str, Any], file: Path) -> Auth:
    """How the key travels: the first security requirement's scheme; Basic if any lists it."""
    schemes = openapi.get("components", {}).get("securitySchemes", {})
    security = openapi.get("security", [])
    names = [name for requirement in security if isinstance(requirement, dict) for name in requirement]
    if not names or any(name not in schemes for name in names):
        raise ContractError(
            "expected security: [{scheme: []}, ...] naming components.securitySchemes",
            file=str(file),
            key="security",
        )
    primary = schemes[names[0]]
    basic = any(schemes[n].get("type") == "http" and schemes[n].get("scheme") == "basic" for n in names)
    provenance = primary.get("x-provenance", "pinned")
    source = primary.get("x-source")
    if (
        primary.get("type") == "apiKey"
        and primary.get("in") == "header"
        and isinstance(primary.get("name"), str)
    ):
        return Auth(header=primary["name"], scheme="", basic=basic, provenance=provenance, source=source)
    if primary.get("type") == "http" and primary.get("scheme") in ("bearer", "basic"):
        scheme = "Bearer" if primary["scheme"] == "bearer" else "Basic"
        return Auth(header="Authorization", scheme=scheme, basic=basic, provenance=provenance, source=source)
    raise ContractError(
        "the first security scheme must be an apiKey in a header, or http bearer or basic",
        file=str(file),
        key=f"components.securitySchemes.{names[0]}",
    )


# -- shapes ---------------------------------------------------------------------------


def roles(schema: Mapping[str, Any]) -> dict[str, str]:
    """x-role -> property name for an object schema."""
    return {
        spec["x-role"]: name
        for name, spec in schema.get("properties", {}).items()
        if isinstance(spec, dict) and isinstance(spec.get("x-role"), str)
    }


def _need(found: Mapping[str, str], wanted: tuple[str, ...], file: Path) -> None:
    missing = [role for role in wanted if role not in found]
    if missing:
        raise ContractError(f"no property with x-role {missing}", file=str(file), key="properties")


def status_fields(schemas: Mapping[str, Mapping[str, Any]], name: str, folder: Path) -> StatusFields:
    """The status body's field names by role, and the required ones."""
    schema = schemas[name]
    found = roles(schema)
    _need(found, ("id", "channel", "status", "description", "updated_at"), folder / name)
    return StatusFields(
        id=found["id"],
        channel=found["channel"],
        status=found["status"],
        description=found["description"],
        updated_at=found["updated_at"],
        required=frozenset(schema.get("required", [])),
    )


def send_shape(
    schemas: Mapping[str, Mapping[str, Any]],
    files: Mapping[str, str],
    folder: Path,
    *,
    success_codes: frozenset[int],
    body_max_bytes: int,
) -> SendShape:
    """The send request's and answer's field names by role."""
    request = roles(schemas[files["send_request"]])
    _need(request, ("destination", "text"), folder / files["send_request"])
    answer_schema = schemas[files["send_response"]]
    answer = roles(answer_schema)
    _need(answer, ("id",), folder / files["send_response"])
    channel = answer.get("channel")
    return SendShape(
        destination=request["destination"],
        text=request["text"],
        sender=request.get("sender"),
        dry_run=request.get("dry_run"),
        id=answer["id"],
        channel=channel,
        channel_required=channel is not None and channel in answer_schema.get("required", []),
        dry_run_answer=answer.get("dry_run"),
        success_codes=success_codes,
        body_max_bytes=body_max_bytes,
    )


def batch_shape(
    schemas: Mapping[str, Mapping[str, Any]],
    name: str,
    folder: Path,
    *,
    ids_param: str,
    separator: str,
    max_ids: int,
    over_limit_codes: frozenset[int],
    max_items: int | None,
    ok: int,
    rules_file: Path,
    openapi_file: Path,
) -> BatchShape:
    """The batch answer's shape: an array of entries, or an object of found and not-found lists.

    When openapi.yaml bounds the ids (maxItems), it states rules.yaml's hard limit: the
    two must agree, and a batch over it must then be refused.
    """
    if max_items is not None and (max_items != max_ids or ok in over_limit_codes):
        raise ContractError(
            f"the {ids_param} parameter's maxItems is {max_items}: expected limits.batch_max_ids "
            f"({max_ids}) in {rules_file.name}, and limits.batch_over_limit_codes without {ok}",
            file=str(openapi_file),
            key=f"parameters.{ids_param}.schema.maxItems",
        )
    schema = schemas[name]
    if schema.get("type") == "array":
        return BatchShape(
            ids_param=ids_param,
            separator=separator,
            array=True,
            statuses=None,
            not_found=None,
            max_ids=max_ids,
            over_limit_codes=over_limit_codes,
        )
    found = roles(schema)
    _need(found, ("statuses", "not_found"), folder / name)
    return BatchShape(
        ids_param=ids_param,
        separator=separator,
        array=False,
        statuses=found["statuses"],
        not_found=found["not_found"],
        max_ids=max_ids,
        over_limit_codes=over_limit_codes,
    )


def error_shape(schemas: Mapping[str, Mapping[str, Any]], name: str, folder: Path) -> ErrorShape:
    """The error body's fields by role, and the one that must equal the HTTP code."""
    schema = schemas[name]
    found = roles(schema)
    _need(found, ("message",), folder / name)
    echo = [
        prop
        for prop, spec in schema.get("properties", {}).items()
        if isinstance(spec, dict) and spec.get("x-equals-http-status") is True
    ]
    return ErrorShape(schema=name, fields=found, status_field=echo[0] if echo else None)


def registration(
    schemas: Mapping[str, Mapping[str, Any]],
    files: Mapping[str, str],
    folder: Path,
    *,
    path: str,
    scheme: str,
    methods: Mapping[Operation, str],
) -> Registration:
    """The webhook registration's request and answer fields by role."""
    request = roles(schemas[files["webhook_request"]])
    _need(request, ("callback_url",), folder / files["webhook_request"])
    answer_schema = schemas[files["webhook_registration"]]
    answer = roles(answer_schema)
    _need(answer, ("id", "callback_url", "status", "created_at"), folder / files["webhook_registration"])
    active = answer_schema["properties"][answer["status"]].get("enum")
    if not isinstance(active, list) or len(active) != 1 or not isinstance(active[0], str):
        raise ContractError(
            "expected the status of a registration as an enum of one value",
            file=str(folder / files["webhook_registration"]),
            key=f"properties.{answer['status']}.enum",
        )
    if request["callback_url"] != answer["callback_url"]:
        raise ContractError(
            f"the callback URL is {request['callback_url']!r} in the request, "
            f"{answer['callback_url']!r} in the answer",
            file=str(folder / files["webhook_registration"]),
            key="properties",
        )
    return Registration(
        path=path,
        request_schema=files["webhook_request"],
        schema=files["webhook_registration"],
        callback_url=request["callback_url"],
        id=answer["id"],
        status=answer["status"],
        created_at=answer["created_at"],
        active=active[0],
        scheme=scheme,
        methods=dict(methods),
    )


def rate_limits(
    rules_doc: Mapping[str, Any],
    file: Path,
    schemas: Mapping[str, Mapping[str, Any]],
    files: Mapping[str, str],
) -> RateLimits:
    """rules.yaml rate_limits (shape checked by rules.schema.json), with the 429 body from openapi.yaml."""
    doc = rules_doc["rate_limits"]
    if doc.get("enabled", True) is False:
        return _no_rate_limits(doc.get("provenance", "pinned"))
    plans = {
        plan: RateLimit(per_minute=spec.get("per_minute"), per_second=spec.get("per_second"))
        for plan, spec in doc["plans"].items()
    }
    default_plan = doc.get("default_plan")
    if default_plan is not None and default_plan not in plans:
        raise ContractError(
            f"expected one of {sorted(plans)}", file=str(file), key="rate_limits.default_plan"
        )
    body_schema = files.get("rate_limit_body")
    if body_schema is None:
        raise ContractError("rate limits are on but no operation answers 429 with a schema", file=str(file))
    headers, harness = doc["headers"], doc["harness"]
    return RateLimits(
        enabled=True,
        plans=plans,
        default_plan=default_plan,
        body_schema=body_schema,
        retry_after_field=roles(schemas[body_schema]).get("retry_after"),
        limit_header=headers["limit"],
        remaining_header=headers["remaining"],
        reset_header=headers["reset"],
        retry_after_header=headers["retry_after"],
        required_headers=tuple(headers[role] for role in doc.get("required_headers", [])),
        pace_fraction=float(harness["pace_fraction"]),
        max_wait_s=float(harness["max_wait_s"]),
        max_attempts=harness["max_attempts"],
        conformance_max_per_second=harness["conformance_max_per_second"],
        provenance=doc.get("provenance", "pinned"),
        source=doc.get("source"),
    )


def _no_rate_limits(provenance: Provenance) -> RateLimits:
    """A dialect without rate limits: nothing to pace under, no 429 to expect."""
    return RateLimits(
        enabled=False,
        plans={},
        default_plan=None,
        body_schema=None,
        retry_after_field=None,
        limit_header="",
        remaining_header="",
        reset_header="",
        retry_after_header="",
        required_headers=(),
        pace_fraction=DEFAULT_PACE_FRACTION,
        max_wait_s=0.0,
        max_attempts=0,
        conformance_max_per_second=0,
        provenance=provenance,
    )
