"""One request before any command's real work, telling apart the failures that are not the target's.

Nothing answering is exit 3 (TargetUnreachable). A 401 to the configured key is a
configuration problem (exit 2): the message names the header and scheme sent (key
redacted), the contract's auth setting and what the vendor documents. A 403 means this
machine's address is not on the account's allow-list (exit 2). Anything else goes on: the
contract's rules judge it later.
"""

from __future__ import annotations

from gatewatch.client import GatewayClient
from gatewatch.contract import Contract, default_contract
from gatewatch.errors import KeyRejected, NotAllowed
from gatewatch.exchange import Exchange

PREFLIGHT_ID = "gatewatch-preflight"


def preflight(client: GatewayClient, contract: Contract, *, key_env: str) -> Exchange:
    """Look up an id that does not exist with the client's key; raise on 401, 403 or no answer."""
    exchange = client.lookup(PREFLIGHT_ID, contract.channels[0])
    codes = contract.codes
    if exchange.status == codes.forbidden:
        raise NotAllowed(forbidden_message(exchange))
    if exchange.status == codes.unauthorized and client.api_key is not None:
        raise KeyRejected(key_rejected_message(client, contract, key_env))
    return exchange


def forbidden_message(exchange: Exchange) -> str:
    """What to do about a 403: add this machine's address to the account's allow-list."""
    return (
        f"the target answered {exchange.status} to {exchange.request.method} {exchange.request.url}: this "
        "machine is not allowed (its IP address is outside the account's allow-list); add this machine's "
        "public address to the allow-list, then run again"
    )


def key_rejected_message(client: GatewayClient, contract: Contract, key_env: str) -> str:
    """What a 401 to the configured key means, and where to look."""
    vendor = default_contract().auth
    documented = f"the vendor documents {vendor.describe()}"
    if vendor.source:
        documented += f" ({vendor.source})"
    scheme = f"scheme {contract.auth.scheme!r}" if contract.auth.scheme else "no scheme"
    return (
        f"the target refused the key in ${key_env}: sent {client.auth_description()}; the contract "
        f"({contract.dialect}) says {contract.auth.header} with {scheme}, and {documented}. "
        "Check the key, or auth_header / auth_scheme / auth in the targets file, or --contracts"
    )
