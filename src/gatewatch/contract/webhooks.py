"""The delivery webhooks as data: registration (openapi.yaml) and payloads (rules.yaml `webhooks`).

The registration's path and field names are read off the operations tagged `webhook_*`
and their schemas' `x-role`s; the payload shapes, the statusCode mapping, the event types
and the timings come from rules.yaml, each with its provenance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum, auto
from pathlib import Path
from typing import Any

from gatewatch.contract.model import Provenance
from gatewatch.contract.operations import Operation
from gatewatch.core.errors import ContractError


class PayloadRole(StrEnum):
    """The x-roles of a delivery payload's fields: how the simulator fills and the checks read them."""

    EVENT_TYPE = auto()
    MESSAGE_ID = auto()  # the gateway's id of the message
    ID = auto()  # the harness's id (customerMessageId), when the shape carries it
    DESTINATION = auto()
    STATUS_CODE = auto()
    STATUS = auto()  # a status word (the lookup's)
    DESCRIPTION = auto()
    CHANNEL = auto()
    TIMESTAMP = auto()


@dataclass(frozen=True, slots=True)
class Sourced:
    """A value of rules.yaml with where it comes from."""

    value: float
    provenance: Provenance
    source: str | None = None


@dataclass(frozen=True, slots=True)
class PayloadShape:
    """One documented shape of a delivery webhook's body: its schema file and its page."""

    name: str
    schema: str
    provenance: Provenance
    source: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Registration:
    """The registration endpoint: its path, request and answer schemas, and their fields by role."""

    path: str
    request_schema: str
    schema: str
    #: The callbackUrl field (request and answer).
    callback_url: str
    id: str
    status: str
    created_at: str
    #: The status a registration shows (UC-008: ACTIVE), the enum of the answer's status field.
    active: str
    #: The scheme a callback URL must use (rules.yaml webhooks.callback_scheme).
    scheme: str
    #: The HTTP method of each webhook_* operation (openapi.yaml).
    methods: Mapping[Operation, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Webhooks:
    """Everything the contract says about delivery webhooks (gateway-api.md, Delivery webhooks)."""

    registration: Registration
    payloads: Mapping[str, PayloadShape]
    #: The shape this dialect expects by default (a key of `payloads`).
    default_payload: str
    #: statusCode -> the lookup's statuses it stands for.
    status_codes: Mapping[int, frozenset[str]]
    status_codes_provenance: Provenance
    delivery_event: str
    read_event: str
    ignored_events: frozenset[str]
    event_types_provenance: Provenance
    grace_after_delete_s: Sourced
    receiver_timeout_s: Sourced
    provenance: Provenance = "vendor"
    source: str | None = None

    @property
    def default_shape(self) -> PayloadShape:
        """The payload shape this dialect expects."""
        return self.payloads[self.default_payload]

    def statuses_for(self, status_code: int) -> frozenset[str]:
        """The lookup statuses `status_code` may stand for (empty: an undocumented code)."""
        return self.status_codes.get(status_code, frozenset())


def _sourced(doc: Mapping[str, Any]) -> Sourced:
    return Sourced(float(doc["value"]), doc["provenance"], doc.get("source"))


def build(
    doc: Mapping[str, Any],
    registration: Registration,
    *,
    statuses: tuple[str, ...],
    schemas: Mapping[str, Any],
    rules_file: Path,
) -> Webhooks:
    """rules.yaml `webhooks` (shape checked by rules.schema.json), cross-checked against the schemas."""
    payloads = doc["payloads"]
    shapes = {
        name: PayloadShape(name, spec["schema"], spec["provenance"], spec.get("source"))
        for name, spec in payloads["shapes"].items()
    }
    missing = sorted(shape.schema for shape in shapes.values() if shape.schema not in schemas)
    if missing:
        raise ContractError(
            f"no schemas {missing} under schemas/", file=str(rules_file), key="webhooks.payloads"
        )
    if payloads["default"] not in shapes:
        raise ContractError(
            f"expected one of {sorted(shapes)}", file=str(rules_file), key="webhooks.payloads.default"
        )
    codes = doc["status_codes"]
    mapping: dict[int, frozenset[str]] = {}
    for code, named in codes["map"].items():
        unknown = [s for s in named if s not in statuses]
        if unknown:
            raise ContractError(
                f"{unknown} not in the status enum {list(statuses)}",
                file=str(rules_file),
                key=f"webhooks.status_codes.map.{code}",
            )
        mapping[int(code)] = frozenset(named)
    events = doc["event_types"]
    return Webhooks(
        registration=registration,
        payloads=shapes,
        default_payload=payloads["default"],
        status_codes=mapping,
        status_codes_provenance=codes["provenance"],
        delivery_event=events["delivery"],
        read_event=events["read"],
        ignored_events=frozenset(events["ignored"]),
        event_types_provenance=events.get("provenance", doc.get("provenance", "vendor")),
        grace_after_delete_s=_sourced(doc["grace_after_delete_s"]),
        receiver_timeout_s=_sourced(doc["receiver_timeout_s"]),
        provenance=doc.get("provenance", "vendor"),
        source=doc.get("source"),
    )
