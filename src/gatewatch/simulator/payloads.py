"""A delivery webhook's body in one of the contract's documented shapes.

Each shape's schema names its fields by `x-role`; the body is filled role by role, so a
field name is read off the schema, never spelled here. Roles a shape lacks are left out.
"""

from __future__ import annotations

from typing import Any

from gatewatch.contract import Contract
from gatewatch.contract.shapes import roles
from gatewatch.contract.webhooks import PayloadRole, PayloadShape
from gatewatch.simulator.lifecycle import Step
from gatewatch.simulator.store import Message


def status_code_for(contract: Contract, status: str) -> int | None:
    """The statusCode that stands for `status` (None: no documented code)."""
    for code, statuses in sorted(contract.webhooks.status_codes.items()):
        if status in statuses:
            return code
    return None


def field_for(contract: Contract, shape: PayloadShape, role: PayloadRole) -> str | None:
    """The name of `shape`'s field of `role`, or None when it has none."""
    return roles(contract.schemas[shape.schema]).get(role)


def build(contract: Contract, shape: PayloadShape, message: Message, step: Step) -> dict[str, Any]:
    """The DELIVERY payload of `message` reaching `step`, in `shape`."""
    values: dict[PayloadRole, Any] = {
        PayloadRole.EVENT_TYPE: contract.webhooks.delivery_event,
        PayloadRole.MESSAGE_ID: message.id,
        PayloadRole.ID: message.id,
        PayloadRole.DESTINATION: message.to,
        PayloadRole.STATUS_CODE: status_code_for(contract, step.status),
        PayloadRole.STATUS: step.status,
        PayloadRole.DESCRIPTION: step.description,
        PayloadRole.CHANNEL: message.channel,
        PayloadRole.TIMESTAMP: step.updated_at,
    }
    named = roles(contract.schemas[shape.schema])
    return {named[role]: value for role, value in values.items() if role in named}
