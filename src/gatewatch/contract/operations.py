"""The operations of the API, named once: openapi.yaml tags each with `x-gatewatch-operation`."""

from __future__ import annotations

from enum import StrEnum


class Operation(StrEnum):
    """What a call is: the contract's three operations, or none of them."""

    SEND = "send"
    LOOKUP = "lookup"
    BATCH = "batch"
    #: A call that is none of the contract's operations (the preflight, a probe of an unknown path).
    OTHER = "other"


#: The operations openapi.yaml must tag, in the order reports list them.
CONTRACT_OPERATIONS: tuple[Operation, ...] = (Operation.SEND, Operation.LOOKUP, Operation.BATCH)
#: Their plain names, as a fault config or the simulator's control endpoint spells them.
OPERATION_NAMES: frozenset[str] = frozenset(op.value for op in CONTRACT_OPERATIONS)
