"""The steps every answer goes through, as replaceable functions.

The checkpoints (checkpoints.py) and handlers (handlers.py) call these stages; they never
ask which defects are on. Each stage is declared once, as a field of `Stages` whose
default is the conforming behaviour (the function of that name in `Conforming`), which
honours gateway-api.md for whichever contract `Context` was built from. A defect
(defects/) breaks one rule by replacing one or two stages with a wrapper around them, the
way middleware wraps an app, so adding a defect never touches a checkpoint or a handler.
The order the checkpoints run in is part of the stages too (`order`, the contract's error
precedence).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from gatewatch.contract import Contract
from gatewatch.contract.operations import Operation
from gatewatch.core.ratelimit import NO_LIMIT, RateLimit
from gatewatch.simulator import payloads
from gatewatch.simulator.auth import Authenticator, Caller
from gatewatch.simulator.config import SimulatorConfig
from gatewatch.simulator.deliveries import Outbox
from gatewatch.simulator.errors import BAD_REQUEST, INVALID_ID, WEBHOOK_EXISTS, ApiError, ErrorKind
from gatewatch.simulator.http import Headers, Query, Request, Response, decode_path_param
from gatewatch.simulator.lifecycle import Step
from gatewatch.simulator.names import Names
from gatewatch.simulator.ratelimit import Decision, KeyLimiter
from gatewatch.simulator.registrations import Registration, Registrations
from gatewatch.simulator.render import Renderer
from gatewatch.simulator.routes import Routing
from gatewatch.simulator.store import Message, MessageStore

Payload = dict[str, Any]


def split_ids(raw: str, separator: str) -> list[str]:
    """The elements of a batch ids value."""
    return raw.split(separator)


def over_limit_error(contract: Contract) -> ApiError | None:
    """The refusal of a batch over `max_ids`, or None where such a batch is answered (200 allowed)."""
    allowed = contract.batch.over_limit_codes
    if contract.codes.ok in allowed:
        return None
    by_code = {getattr(contract.codes, f.name): f.name for f in fields(contract.codes)}
    code = contract.codes.bad_request if contract.codes.bad_request in allowed else min(allowed)
    return ApiError(
        by_code.get(code, BAD_REQUEST),
        ErrorKind.TOO_MANY_IDS,
        f"at most {contract.batch.max_ids} ids per batch",
    )


#: The hosts a simulator configured for it accepts plain-http callbacks to.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_PLAIN_HTTP = "http"


def plain_http_as(url: object, scheme: str, hosts: frozenset[str] | None = None) -> str | None:
    """`url` with `scheme` when it is plain http (to one of `hosts`, when given), else None."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme != _PLAIN_HTTP or not host or (hosts is not None and host not in hosts):
        return None
    return urlunsplit(parts._replace(scheme=scheme))


_ALLOWED = Decision(allowed=True, limit=0, remaining=0, retry_after_s=0)


class Context:
    """What the stages of one simulator know: contract, store, clock, names, ready-made errors."""

    def __init__(
        self,
        contract: Contract,
        config: SimulatorConfig,
        store: MessageStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.contract = contract
        self.config = config
        self.store = store
        self.clock = clock
        self.names = names = Names.of(contract)
        self.render = Renderer(contract)
        self.render.check(contract)
        self.authenticator = Authenticator(contract, config.all_api_keys)
        self.channels = frozenset(contract.channels)
        param = names.channel_param
        #: Query strings seen on nearly every lookup (`channel=X`), parsed once up front.
        self.fast_queries: dict[bytes, Query] = {
            f"{param}={channel}".encode(): {param: (channel,)}
            for channel in contract.channels
            if channel.isascii() and channel.isalnum() and param.isascii() and param.isalnum()
        }
        listed = ", ".join(contract.channels)
        self.missing_channel = ApiError(
            BAD_REQUEST, ErrorKind.MISSING_CHANNEL, f"the {param} query parameter is required ({listed})"
        )
        self.invalid_channel = ApiError(
            BAD_REQUEST, ErrorKind.INVALID_CHANNEL, f"{param} must be exactly one of {listed}"
        )
        ids = names.ids_param
        self.missing_ids = ApiError(BAD_REQUEST, ErrorKind.MISSING_IDS, f"{ids} is required (one value)")
        self.empty_id = ApiError(BAD_REQUEST, ErrorKind.EMPTY_ID, f"{ids} has an empty element")
        self.over_limit = over_limit_error(contract)
        self.send_schema = contract.schema_file("send_request")
        #: Each company's delivery-status webhook (forgotten with the messages on reset).
        self.webhooks = Registrations(clock)
        #: The delivery webhooks on their way (a worker thread, started on the first one).
        self.outbox = Outbox(
            timeout_s=contract.webhooks.receiver_timeout_s.value,
            content_type=contract.json_content_type,
            attempts=config.webhook_attempts,
            backoff_s=config.webhook_backoff_s,
            max_queued=config.webhook_queue,
            faults=config.webhook_faults,
            clock=clock,
        )
        self.limit_names = (names.limit_header, names.remaining_header)


class Conforming:
    """The stages as gateway-api.md wants them: each is the default of the `Stages` field of its name."""

    # -- who calls, and how often --------------------------------------------------------

    @staticmethod
    def authenticate(st: Stages, request: Request) -> Caller | ApiError:
        """The caller behind the request's credentials, or the 401 to answer."""
        return st.context.authenticator(request)

    @staticmethod
    def rate_limit(st: Stages, key: str) -> Decision:
        """Whether the API key may make one more request now (it is counted); no limit: always."""
        return _ALLOWED

    @staticmethod
    def peek_rate(st: Stages, key: str) -> Decision:
        """What `rate_limit` would decide now, counting nothing."""
        return _ALLOWED

    @staticmethod
    def render_throttled(st: Stages, decision: Decision) -> Response:
        """The 429 of a refusing decision."""
        raise RuntimeError("no rate limit is on: nothing is throttled")

    @staticmethod
    def limit_headers(st: Stages, decision: Decision) -> Headers:
        """The rate-limit headers of an answer to a valid key."""
        limit, remaining = st.context.limit_names
        return (
            (limit, str(decision.limit).encode("ascii")),
            (remaining, str(decision.remaining).encode("ascii")),
        )

    # -- parameters ----------------------------------------------------------------------

    @staticmethod
    def parse_channel(st: Stages, values: Sequence[str]) -> str | ApiError:
        """The channel query values -> the channel to scope by, or the 400 to answer."""
        if not values:
            return st.context.missing_channel
        if len(values) == 1 and values[0] in st.context.channels:
            return values[0]
        return st.context.invalid_channel

    @staticmethod
    def decode_id(st: Stages, raw: bytes) -> str | ApiError:
        """The raw (still percent-encoded) path id -> the id, or the 400 to answer."""
        decoded = decode_path_param(raw)
        return INVALID_ID if decoded is None else decoded

    @staticmethod
    def parse_ids(st: Stages, values: Sequence[str]) -> list[str] | ApiError:
        """The ids query values -> the ids of a batch, or the 400 to answer."""
        if len(values) != 1 or not values[0]:
            return st.context.missing_ids
        ids = split_ids(values[0], st.context.names.separator)
        if "" in ids:
            return st.context.empty_id
        if st.context.over_limit is not None and len(ids) > st.context.contract.batch.max_ids:
            return st.context.over_limit
        return ids

    @staticmethod
    def validate_send(st: Stages, body: object) -> list[str]:
        """Why a parsed send body is invalid (empty when valid)."""
        return st.context.contract.schema_errors(st.context.send_schema, body)

    @staticmethod
    def destination(st: Stages, body: object) -> str:
        """The recipient number a valid send body's message is stored with."""
        number = body.get(st.context.names.destination) if isinstance(body, dict) else None
        # A defect may let a malformed recipient through; it still needs a string to match on.
        return number if isinstance(number, str) else json.dumps(number)

    # -- the webhook registration ----------------------------------------------------------

    @staticmethod
    def validate_callback(st: Stages, body: object) -> list[str]:
        """Why a parsed webhook registration body is invalid (empty when valid).

        Plain http to a loopback host passes where the simulator is configured to allow it.
        """
        registration = st.context.contract.webhooks.registration
        reasons = st.context.contract.schema_errors(registration.request_schema, body)
        if not reasons or not st.context.config.allow_http_loopback_webhooks or not isinstance(body, dict):
            return reasons
        secured = plain_http_as(body.get(registration.callback_url), registration.scheme, LOOPBACK_HOSTS)
        if secured is None:
            return reasons
        return st.context.contract.schema_errors(
            registration.request_schema, {**body, registration.callback_url: secured}
        )

    @staticmethod
    def find_webhook(st: Stages, op: Operation, company: str) -> Registration | None:
        """The company's webhook, or None."""
        return st.context.webhooks.get(company)

    @staticmethod
    def webhook_conflict(st: Stages, found: Registration) -> ApiError | None:
        """The refusal of a POST while `found` is configured (None lets it through)."""
        return WEBHOOK_EXISTS

    @staticmethod
    def registration_body(st: Stages, registration: Registration) -> Payload:
        """A registration in the contract's names."""
        names = st.context.contract.webhooks.registration
        return {
            names.id: registration.id,
            names.callback_url: registration.callback_url,
            names.status: names.active,
            names.created_at: registration.created_at,
        }

    # -- delivery webhooks ------------------------------------------------------------------

    @staticmethod
    def schedule_delivery(st: Stages, message: Message, dry_run: bool) -> None:
        """Queue the DELIVERY webhook of a message just accepted, for its company's callback.

        None for a dry run, a company without a webhook, or a message that never settles.
        """
        if not dry_run and st.context.webhooks.get(message.company) is not None:
            deliver_final(st, message, message.company)

    @staticmethod
    def delivery_body(st: Stages, message: Message, step: Step) -> Payload:
        """The DELIVERY payload of `message` reaching `step`, in the dialect's default shape."""
        contract = st.context.contract
        return payloads.build(contract, contract.webhooks.default_shape, message, step)

    @staticmethod
    def delivery_url(st: Stages, company: str, due: float) -> str | None:
        """Where `company`'s payload that fell due at `due` goes now (None: nowhere).

        Its webhook's URL; after a DELETE, the old URL for a payload already due before it,
        during the contract's grace period only.
        """
        found = st.context.webhooks.get(company)
        if found is not None:
            return found.callback_url
        removed = st.context.webhooks.removed(company)
        if removed is None:
            return None
        registration, at = removed
        grace = st.context.contract.webhooks.grace_after_delete_s.value
        in_flight = due <= at and st.context.clock() <= at + grace
        return registration.callback_url if in_flight else None

    # -- messages and their bodies -------------------------------------------------------

    @staticmethod
    def find(st: Stages, op: Operation, message_id: str, channel: str, company: str) -> Message | None:
        """The message the caller may see, or None (404)."""
        message = st.context.store.get(message_id)
        if message is None or message.channel != channel or message.company != company:
            return None
        return message

    @staticmethod
    def view(st: Stages, op: Operation, message: Message, now: float) -> Step:
        """The step the answer reports."""
        return message.step_at(now)

    @staticmethod
    def make_body(st: Stages, message_id: str, channel: str, step: Step) -> Payload:
        """A status body in the contract's names, all five fields."""
        names = st.context.names
        return {
            names.id: message_id,
            names.channel: channel,
            names.status: step.status,
            names.description: step.description,
            names.updated_at: step.updated_at,
        }

    @staticmethod
    def status_body(st: Stages, body: Payload) -> Payload:
        """A status body on its way out."""
        return body

    @staticmethod
    def batch_body(st: Stages, channel: str, found: list[Payload], missing: list[str]) -> object:
        """The batch answer's body of the entries found and the ids not found."""
        names = st.context.names
        if names.batch_array:
            return found
        return {names.batch_statuses: found, names.batch_not_found: missing}

    @staticmethod
    def send_answer(st: Stages, body: Payload) -> Payload:
        """A send's answer body on its way out."""
        return body

    # -- answers -------------------------------------------------------------------------

    @staticmethod
    def render_error(st: Stages, op: Operation | None, error: ApiError) -> Response:
        """The error answer of `error` to a request for `op`."""
        return st.context.render.error(error)

    @staticmethod
    def respond(st: Stages, routing: Routing, response: Response) -> Response:
        """The last look at every answer, errors included."""
        return response


@dataclass(frozen=True, slots=True, kw_only=True)
class Stages:
    """The stage functions of one simulator, and what they know (`context`).

    Each stage is called with the stages themselves first (`st.find(st, ...)`), like a
    method, so a stage that calls another calls the one installed last. The defaults are
    the conforming stages; a defect replaces some with `dataclasses.replace`.
    """

    context: Context
    #: Precedence roles in the order their checkpoints run (contract.precedence.order).
    order: tuple[str, ...]
    #: The rate limit applied per key (NO_LIMIT: off), and the limiter's clock.
    limit: RateLimit = NO_LIMIT
    rate_clock: Callable[[], float] = time.monotonic
    #: Names of the defects installed, in order.
    defects: tuple[str, ...] = ()

    authenticate: Callable[[Stages, Request], Caller | ApiError] = Conforming.authenticate
    rate_limit: Callable[[Stages, str], Decision] = Conforming.rate_limit
    peek_rate: Callable[[Stages, str], Decision] = Conforming.peek_rate
    render_throttled: Callable[[Stages, Decision], Response] = Conforming.render_throttled
    limit_headers: Callable[[Stages, Decision], Headers] = Conforming.limit_headers
    parse_channel: Callable[[Stages, Sequence[str]], str | ApiError] = Conforming.parse_channel
    decode_id: Callable[[Stages, bytes], str | ApiError] = Conforming.decode_id
    parse_ids: Callable[[Stages, Sequence[str]], list[str] | ApiError] = Conforming.parse_ids
    validate_send: Callable[[Stages, object], list[str]] = Conforming.validate_send
    destination: Callable[[Stages, object], str] = Conforming.destination
    validate_callback: Callable[[Stages, object], list[str]] = Conforming.validate_callback
    find_webhook: Callable[[Stages, Operation, str], Registration | None] = Conforming.find_webhook
    webhook_conflict: Callable[[Stages, Registration], ApiError | None] = Conforming.webhook_conflict
    registration_body: Callable[[Stages, Registration], Payload] = Conforming.registration_body
    schedule_delivery: Callable[[Stages, Message, bool], None] = Conforming.schedule_delivery
    delivery_body: Callable[[Stages, Message, Step], Payload] = Conforming.delivery_body
    delivery_url: Callable[[Stages, str, float], str | None] = Conforming.delivery_url
    find: Callable[[Stages, Operation, str, str, str], Message | None] = Conforming.find
    view: Callable[[Stages, Operation, Message, float], Step] = Conforming.view
    make_body: Callable[[Stages, str, str, Step], Payload] = Conforming.make_body
    status_body: Callable[[Stages, Payload], Payload] = Conforming.status_body
    batch_body: Callable[[Stages, str, list[Payload], list[str]], object] = Conforming.batch_body
    send_answer: Callable[[Stages, Payload], Payload] = Conforming.send_answer
    render_error: Callable[[Stages, Operation | None, ApiError], Response] = Conforming.render_error
    respond: Callable[[Stages, Routing, Response], Response] = Conforming.respond


def deliver_final(st: Stages, message: Message, company: str) -> None:
    """Queue `message`'s DELIVERY payload for `company`'s callback, for when it reaches a final status.

    Nothing for a message that never does. The payload is dropped (and counted) when the outbox is full.
    """
    final = message.steps[-1]
    if st.context.contract.is_final(final.status):
        payload = st.delivery_body(st, message, final)
        st.context.outbox.schedule(final.at, lambda: st.delivery_url(st, company, final.at), payload)


def conforming(
    contract: Contract,
    config: SimulatorConfig,
    store: MessageStore,
    clock: Callable[[], float] = time.time,
) -> Stages:
    """Stages that honour every rule of the contract (rate limiting off: see `with_rate_limit`)."""
    return Stages(context=Context(contract, config, store, clock), order=contract.precedence.order)


def with_rate_limit(stages: Stages, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> Stages:
    """A copy of `stages` limiting each key to `limit` (a fresh limiter: every key starts afresh)."""
    if limit.unlimited:
        return replace(
            stages,
            limit=limit,
            rate_clock=clock,
            rate_limit=Conforming.rate_limit,
            peek_rate=Conforming.peek_rate,
            render_throttled=Conforming.render_throttled,
        )
    limiter = KeyLimiter(limit.per_minute, limit.per_second, clock=clock)
    text = str(limit)

    def rate_limit(st: Stages, key: str) -> Decision:
        return limiter.hit(key)

    def peek_rate(st: Stages, key: str) -> Decision:
        return limiter.peek(key)

    def render_throttled(st: Stages, decision: Decision) -> Response:
        return st.context.render.throttled(text, decision.retry_after_s)

    return replace(
        stages,
        limit=limit,
        rate_clock=clock,
        rate_limit=rate_limit,
        peek_rate=peek_rate,
        render_throttled=render_throttled,
    )
