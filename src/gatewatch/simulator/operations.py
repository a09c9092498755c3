"""The operations a path of the contract can be (openapi.yaml `x-gatewatch-operation`)."""

from __future__ import annotations

from enum import StrEnum


class Operation(StrEnum):
    """Which of the contract's operations a request asks for."""

    SEND = "send"
    LOOKUP = "lookup"
    BATCH = "batch"


#: Every operation, as the plain names a fault config or the control endpoint spells them.
OPERATION_NAMES: frozenset[str] = frozenset(op.value for op in Operation)
