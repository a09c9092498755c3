"""The contract's names and codes, read once per simulator into one flat table.

Every field, parameter and header name and every HTTP code the simulator uses comes from
here, and this reads them from the `Contract` (never spelled in the simulator), so a
dialect or a rename in contracts/ is served without a code change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.request import HTTPBasicAuthHandler

from gatewatch.contract import Contract
from gatewatch.contract.operations import Operation
from gatewatch.contract.shapes import OPERATION_KEY
from gatewatch.core.errors import ContractError

# HTTP's own header for Basic credentials (RFC 7617), taken from the standard library.
BASIC_HEADER = HTTPBasicAuthHandler.auth_header


@dataclass(frozen=True, slots=True, kw_only=True)
class Names:
    """The names and codes of one contract, flattened for the hot path."""

    # Status body fields (status-body.json x-role).
    id: str
    channel: str
    status: str
    description: str
    updated_at: str
    # Parameters (openapi.yaml x-role).
    channel_param: str
    ids_param: str
    separator: str
    # Send request and answer (send-request.json, send-response.json).
    destination: str
    dry_run: str | None
    send_id: str
    send_channel: str | None
    dry_run_answer: str | None
    #: The code a successful send answers: the first success code the send operation lists.
    created: int
    # Batch answer (batch-body.json).
    batch_array: bool
    batch_statuses: str | None
    batch_not_found: str | None
    # Codes.
    ok: int
    # Auth: lower-case header names as ASGI gives them.
    key_header: bytes
    basic_header: bytes | None
    # Rate-limit headers (lower-case), when the dialect has rate limits.
    limit_header: bytes
    remaining_header: bytes
    retry_after_header: bytes
    json_type: bytes

    @classmethod
    def of(cls, contract: Contract) -> Names:
        """The table for `contract`."""
        fields, send, batch, auth, limits = (
            contract.fields,
            contract.send,
            contract.batch,
            contract.auth,
            contract.rate_limits,
        )
        key_header = auth.header.lower().encode("latin-1")
        basic = BASIC_HEADER.lower().encode("latin-1") if auth.basic else None
        return cls(
            id=fields.id,
            channel=fields.channel,
            status=fields.status,
            description=fields.description,
            updated_at=fields.updated_at,
            channel_param=contract.channel_param,
            ids_param=batch.ids_param,
            separator=batch.separator,
            destination=send.destination,
            dry_run=send.dry_run,
            send_id=send.id,
            send_channel=send.channel,
            dry_run_answer=send.dry_run_answer,
            created=send_success_code(contract),
            batch_array=batch.array,
            batch_statuses=batch.statuses,
            batch_not_found=batch.not_found,
            ok=contract.codes.ok,
            key_header=key_header,
            # The same header carries both (a Bearer dialect that also takes Basic): read it once.
            basic_header=None if basic == key_header else basic,
            limit_header=limits.limit_header.lower().encode("latin-1"),
            remaining_header=limits.remaining_header.lower().encode("latin-1"),
            retry_after_header=limits.retry_after_header.lower().encode("latin-1"),
            json_type=contract.json_content_type.encode("latin-1"),
        )


def send_success_code(contract: Contract) -> int:
    """The success code a send answers.

    The first of the send operation's responses that the contract counts as success
    (openapi.yaml lists the pinned one first).
    """
    for item in contract.openapi.get("paths", {}).values():
        if not isinstance(item, Mapping):
            continue
        for operation in item.values():
            if not isinstance(operation, Mapping) or operation.get(OPERATION_KEY) != Operation.SEND:
                continue
            for code in operation.get("responses", {}):
                if str(code).isdigit() and int(code) in contract.send.success_codes:
                    return int(code)
    if not contract.send.success_codes:
        raise ContractError("no send success code", key="limits.send_success_codes")
    return min(contract.send.success_codes)
