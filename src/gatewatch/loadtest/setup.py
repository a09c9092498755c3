"""The setup phase: get ids that exist, spread over the channels, before the load starts.

Each load process (standalone, or every worker) sends its own few messages through the
GatewayClient, round-robin over the target's channels and test recipients, so the ids
are real on whichever gateway the process talks to and no ids travel between machines.
A target with `known_ids` configured (read-only, e.g. production) uses those instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from gatewatch.checks import expect_send_accepted, sent_id
from gatewatch.contract import Contract
from gatewatch.core.client import GatewayClient
from gatewatch.core.config import Target
from gatewatch.core.errors import ConfigError, GatewatchError, NotAllowed, TargetUnreachable
from gatewatch.core.preflight import forbidden_message
from gatewatch.core.secrets import Secret

SETUP_TEXT = "gatewatch load test"
# Attempts per wanted id: a fault-injecting target may refuse some sends.
ATTEMPTS_PER_ID = 3
# Sends in flight at once: the setup runs inside the run time, so a slow target must not
# make it last (ids x latency).
SETUP_CONCURRENCY = 8


class SetupFailed(GatewatchError):
    """The setup phase could not get an id on every channel."""


@dataclass(frozen=True, slots=True)
class KnownMessage:
    """An id that exists on the target, and the channel it was sent on."""

    id: str
    channel: str


@dataclass(frozen=True, slots=True)
class KnownIds:
    """The ids the load looks up, grouped by channel."""

    messages: tuple[KnownMessage, ...]

    @property
    def by_channel(self) -> Mapping[str, tuple[KnownMessage, ...]]:
        """Channel -> its messages, in the order they were sent."""
        out: dict[str, list[KnownMessage]] = {}
        for message in self.messages:
            out.setdefault(message.channel, []).append(message)
        return {channel: tuple(found) for channel, found in out.items()}


def prepare_known_ids(target: Target, key: Secret | None, contract: Contract, count: int) -> KnownIds:
    """`count` ids spread over the target's channels (sent now), or the configured known_ids."""
    if target.known_ids:
        return KnownIds(tuple(KnownMessage(k.id, k.channel) for k in target.known_ids))
    if target.base_url is None:
        raise ConfigError("the load setup needs a base URL", key="--host")
    numbers = [target.recipients[outcome] for outcome in sorted(target.recipients)]
    if not numbers:
        raise ConfigError(
            f"target {target.name!r} has neither recipients nor known_ids: the load has no ids to look up",
            key=f"targets.{target.name}",
        )
    channels = target.channels
    wanted = max(count, len(channels))
    # Slot i is an id on channels[i % n]; a failed send leaves its slot for the next round.
    slots: list[KnownMessage | None] = [None] * wanted
    attempts_left = wanted * ATTEMPTS_PER_ID
    sent_so_far = 0
    last_problem = ""
    with (
        GatewayClient.for_target(target, key, contract=contract, pool_size=SETUP_CONCURRENCY) as client,
        ThreadPoolExecutor(SETUP_CONCURRENCY, thread_name_prefix="gatewatch-setup") as pool,
    ):
        while attempts_left > 0:  # bounded: every round spends attempts
            todo = [i for i, found in enumerate(slots) if found is None][:attempts_left]
            if not todo:
                break
            attempts_left -= len(todo)
            jobs = []
            for i in todo:
                channel = channels[i % len(channels)]
                to = numbers[sent_so_far % len(numbers)]
                sent_so_far += 1
                jobs.append((i, pool.submit(_send_one, client, target, contract, channel, to)))
            for i, job in jobs:
                found, problem = job.result()
                slots[i] = found
                last_problem = problem or last_problem
    sent = [found for found in slots if found is not None]
    missing = [c for c in channels if not any(m.channel == c for m in sent)]
    if missing:
        raise SetupFailed(
            f"the load setup got no id on {missing} after {wanted * ATTEMPTS_PER_ID} sends; "
            f"last problem: {last_problem}"
        )
    return KnownIds(tuple(sent))


def _send_one(
    client: GatewayClient, target: Target, contract: Contract, channel: str, to: str
) -> tuple[KnownMessage | None, str]:
    """One setup send: the message, or None and why not."""
    try:
        exchange = client.send(channel, to, SETUP_TEXT)
    except TargetUnreachable as exc:
        if not exc.connected:
            raise  # nothing listens there: no point trying again
        return None, str(exc)
    codes = contract.codes
    if exchange.status == codes.forbidden:
        raise NotAllowed(forbidden_message(exchange))
    if exchange.status == codes.unauthorized:
        raise ConfigError(
            f"the target refused the key in ${target.api_key_env} ({exchange.status}) during the load setup",
            key=target.api_key_env,
        )
    problems = expect_send_accepted(exchange, contract, dry_run=target.dry_run_sends)
    message_id = sent_id(exchange, contract)
    if problems or message_id is None:
        return None, problems[0].headline() if problems else f"no {contract.send.id}"
    return KnownMessage(message_id, channel), ""


def auth_headers(target: Target, contract: Contract, key: Secret) -> dict[str, str]:
    """The header that carries `key`, exactly as the gateway client sends it (header, scheme, Basic)."""
    # The client is the one place that knows how a target's auth is put on the wire; the
    # load users send through Locust's own HTTP client, so they copy its header once.
    with GatewayClient.for_target(target, key, contract=contract) as client:
        return client.auth_headers(key)
