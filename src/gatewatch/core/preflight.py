"""A request or two before any command's real work, telling apart the failures that are not the target's.

Nothing answering is exit 3 (TargetUnreachable). A 401 to the configured key is a
configuration problem (exit 2): the message names the header and scheme sent (key
redacted), the contract's auth setting and what the vendor documents. A 403 means this
machine's address is not on the account's allow-list (exit 2).

The lookup of a made-up id answers 404 on a conforming gateway, and so does any path
under a wrong base URL: a 404 alone cannot tell them apart. So after a 404 the batch
lookup of the same id is asked (a gateway answers 200: the id is simply left out), and if
that is 404 too, a GET of a send path (405: the path exists, not for GET). 404 to all
three means every path answers 404: the base URL is wrong (exit 2, one line), and the
line names the base URL to try: one the contract's servers suggest (`{base}/api`) or the
given one without the operations' prefix, checked with a single request. Anything else
goes on: the contract's rules judge it later.
"""

from __future__ import annotations

import posixpath
from urllib.parse import urlsplit

from gatewatch.contract import Contract, default_contract
from gatewatch.core.client import GatewayClient
from gatewatch.core.errors import ConfigError, KeyRejected, NotAllowed, TargetUnreachable
from gatewatch.core.exchange import Exchange

PREFLIGHT_ID = "gatewatch-preflight"


def preflight(client: GatewayClient, contract: Contract, *, key_env: str) -> Exchange:
    """Look up an id that does not exist with the client's key; raise on 401, 403 or no answer."""
    exchange = client.lookup(PREFLIGHT_ID, contract.channels[0])
    codes = contract.codes
    if exchange.status == codes.forbidden:
        raise NotAllowed(forbidden_message(exchange))
    if exchange.status == codes.unauthorized and client.api_key is not None:
        raise KeyRejected(key_rejected_message(client, contract, key_env))
    if exchange.status == codes.not_found:
        check_base_url(client, contract)
    return exchange


def check_base_url(client: GatewayClient, contract: Contract) -> None:
    """Raise ConfigError when two more paths that must exist answer 404 too: the base URL is wrong."""
    if not _all_missing(client, contract):
        return
    prefix = operations_prefix(contract)
    message = (
        f"the target answered {contract.codes.not_found} to every path under {client.base_url} (the "
        f"lookup, the batch lookup, a send path): it is not the gateway's base URL, which is everything "
        f"before {prefix}"
    )
    candidate = candidate_base_url(client.base_url, contract)
    if candidate is not None and _answers(client, contract, candidate):
        message += f"; try {candidate}, which answers like the gateway"
    else:
        message += "; check --base-url or the target's base_url"
    raise ConfigError(message)


def _all_missing(client: GatewayClient, contract: Contract) -> bool:
    """Whether the batch lookup and a GET of a send path both answer 404 (each is 200 or 405 if it exists).

    Two paths, so that one broken operation (a batch that answers 404 when nothing matches,
    a 404 for a wrong method) is judged by the suite as the defect it is, not taken for a
    wrong base URL.
    """
    channel = contract.channels[0]
    not_found = contract.codes.not_found
    try:
        if client.batch([PREFLIGHT_ID], channel).status != not_found:
            return False
        return bool(client.request("GET", contract.send_paths[channel]).status == not_found)
    except TargetUnreachable:
        return False  # the lookup was answered: a broken connection now is the run's business


def operations_prefix(contract: Contract) -> str:
    """The path every operation of the contract starts with (e.g. /partner-gateway/v1)."""
    paths = [contract.lookup_path, contract.batch_path, *contract.send_paths.values()]
    common = posixpath.commonprefix(paths)
    return common[: common.rfind("/")] if "/" in common else ""


def candidate_base_url(base_url: str, contract: Contract) -> str | None:
    """The base URL a user most likely meant: without the operations' prefix, or with a server's path.

    The servers' paths come from the contract (openapi.yaml `servers`: /api for the vendor).
    """
    path = urlsplit(base_url).path.rstrip("/")
    prefix = operations_prefix(contract)
    if prefix and path.endswith(prefix):
        return base_url[: len(base_url) - len(prefix)].rstrip("/")
    for server in contract.openapi.get("servers") or ():
        url = server.get("url") if isinstance(server, dict) else None
        server_path = urlsplit(url).path.rstrip("/") if isinstance(url, str) else ""
        if server_path and not path.endswith(server_path):
            return base_url + server_path
    return None


def _answers(client: GatewayClient, contract: Contract, base_url: str) -> bool:
    """Whether the batch lookup under `base_url` answers anything but 404 (one request, no retries)."""
    other = GatewayClient(
        base_url,
        client.api_key,
        contract=contract,
        timeouts=client.timeouts,
        retry_delays_s=(),
        auth_header=client.auth_header,
        auth_scheme=client.auth_scheme,
        auth=client.auth_mode,
        pacer=client.pacer,
    )
    with other:
        try:
            return other.batch([PREFLIGHT_ID], contract.channels[0]).status != contract.codes.not_found
        except TargetUnreachable:
            return False


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
