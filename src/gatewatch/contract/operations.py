"""The operations of the API, named once: openapi.yaml tags each with `x-gatewatch-operation`."""

from __future__ import annotations

from enum import StrEnum


class Operation(StrEnum):
    """What a call is: one of the contract's operations, or none of them."""

    SEND = "send"
    LOOKUP = "lookup"
    BATCH = "batch"
    #: The account's delivery-status webhook: register (POST), read (GET), change (PUT), remove (DELETE).
    WEBHOOK_CREATE = "webhook_create"
    WEBHOOK_GET = "webhook_get"
    WEBHOOK_UPDATE = "webhook_update"
    WEBHOOK_DELETE = "webhook_delete"
    #: A call that is none of the contract's operations (the preflight, a probe of an unknown path).
    OTHER = "other"


#: The operations openapi.yaml must tag, in the order reports list them.
WEBHOOK_OPERATIONS: tuple[Operation, ...] = (
    Operation.WEBHOOK_CREATE,
    Operation.WEBHOOK_GET,
    Operation.WEBHOOK_UPDATE,
    Operation.WEBHOOK_DELETE,
)
CONTRACT_OPERATIONS: tuple[Operation, ...] = (
    Operation.SEND,
    Operation.LOOKUP,
    Operation.BATCH,
    *WEBHOOK_OPERATIONS,
)
#: Their plain names, as a fault config or the simulator's control endpoint spells them.
OPERATION_NAMES: frozenset[str] = frozenset(op.value for op in CONTRACT_OPERATIONS)
