"""The steps every answer goes through, as replaceable functions.

The gates (gates.py) and handlers (handlers.py) call these stages; they never ask which
defects are on. The conforming stages below honour gateway-api.md for whichever contract
they are built from. A defect (defects/) breaks one rule by wrapping one or two stages,
the way middleware wraps an app, so adding a defect never touches a gate or a handler.
The order the gates run in is a stage too (`order`, the contract's error precedence).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

from gatewatch.contract import Contract
from gatewatch.ratelimit import NO_LIMIT, RateLimit
from gatewatch.simulator.auth import Authenticator, Caller
from gatewatch.simulator.config import SimulatorConfig
from gatewatch.simulator.errors import (
    BAD_REQUEST,
    INVALID_ID,
    ApiError,
    Kind,
)
from gatewatch.simulator.lifecycle import Step
from gatewatch.simulator.names import Names
from gatewatch.simulator.ratelimit import Decision, KeyLimiter
from gatewatch.simulator.render import Renderer
from gatewatch.simulator.store import Message, MessageStore
from gatewatch.simulator.wire import Headers, Query, Request, Response, decode_path_param

Payload = dict[str, Any]

#: The caller behind the request's credentials, or the 401 to answer.
Authenticate = Callable[[Request], "Caller | ApiError"]
#: (request, API key) -> whether the key may make one more request now (it is counted).
RateCheck = Callable[[Request, str], Decision]
#: The channel query values -> the channel to scope by, or the 400 to answer.
ParseChannel = Callable[[Request, list[str]], "str | ApiError"]
#: The raw (still percent-encoded) path id -> the id, or the error to answer.
DecodeId = Callable[[Request, bytes], "str | ApiError"]
#: The ids query values -> the ids of a batch, or the 400 to answer.
ParseIds = Callable[[Request, list[str]], "list[str] | ApiError"]
#: (request, id, channel, company) -> the message the caller may see, or None (404).
Find = Callable[[Request, str, str, str], "Message | None"]
#: (request, message, now) -> the step the answer reports.
View = Callable[[Request, Message, float], Step]
#: (id, channel, step) -> a status body in the contract's names.
MakeBody = Callable[[str, str, Step], Payload]
#: A 2xx object body (a status body, a send answer) on its way out.
Shape = Callable[[Request, Payload], Payload]
#: (request, found entries, ids not found) -> the batch answer's body.
BatchBody = Callable[[Request, list[Payload], list[str]], object]
#: (request, parsed JSON body) -> why the send body is invalid (empty when valid).
ValidateSend = Callable[[Request, object], list[str]]
#: (request, valid send body) -> the recipient number the message is stored with.
Destination = Callable[[Request, object], str]
RenderError = Callable[[Request, ApiError], Response]
#: (request, refusing decision) -> the 429.
RenderThrottled = Callable[[Request, Decision], Response]
#: (request, decision) -> the rate-limit headers of an answer to a valid key.
LimitHeaders = Callable[[Request, Decision], Headers]
#: The last look at every answer, errors included.
Respond = Callable[[Request, Response], Response]


@dataclass(slots=True, kw_only=True)
class Stages:
    """The stage functions of one simulator, plus what they need to know."""

    contract: Contract
    config: SimulatorConfig
    store: MessageStore
    clock: Callable[[], float]
    names: Names
    render: Renderer
    #: Query strings seen on nearly every lookup (`channel=X`), parsed once up front.
    fast_queries: dict[bytes, Query]
    #: Precedence roles in the order their gates run (contract.precedence.order).
    order: tuple[str, ...]
    #: The rate limit applied per key (NO_LIMIT: off), and the limiter's clock.
    limit: RateLimit
    rate_clock: Callable[[], float]
    authenticate: Authenticate
    rate_limit: RateCheck
    peek_rate: Callable[[str], Decision]
    parse_channel: ParseChannel
    decode_id: DecodeId
    parse_ids: ParseIds
    find: Find
    view: View
    make_body: MakeBody
    status_body: Shape
    batch_body: BatchBody
    send_answer: Shape
    validate_send: ValidateSend
    destination: Destination
    render_error: RenderError
    render_throttled: RenderThrottled
    limit_headers: LimitHeaders
    respond: Respond
    #: Names of the defects installed, in order.
    defects: tuple[str, ...] = field(default=())

    def fail(self, request: Request, error: ApiError) -> Response:
        """Render `error` and let the last stage see it."""
        return self.respond(request, self.render_error(request, error))


def split_ids(raw: str, separator: str) -> list[str]:
    """The elements of a batch ids value."""
    return raw.split(separator)


def body_maker(names: Names) -> MakeBody:
    """A function building status bodies with all five fields, in `names`' names."""
    id_, channel_, status_, description_, updated_at_ = (
        names.id,
        names.channel,
        names.status,
        names.description,
        names.updated_at,
    )

    def make(message_id: str, channel: str, step: Step) -> Payload:
        return {
            id_: message_id,
            channel_: channel,
            status_: step.status,
            description_: step.description,
            updated_at_: step.updated_at,
        }

    return make


def over_limit_error(contract: Contract) -> ApiError | None:
    """The refusal of a batch over `max_ids`, or None where such a batch is answered (200 allowed)."""
    allowed = contract.batch.over_limit_codes
    if contract.codes.ok in allowed:
        return None
    by_code = {getattr(contract.codes, f.name): f.name for f in fields(contract.codes)}
    code = contract.codes.bad_request if contract.codes.bad_request in allowed else min(allowed)
    return ApiError(
        by_code.get(code, BAD_REQUEST), Kind.TOO_MANY_IDS, f"at most {contract.batch.max_ids} ids per batch"
    )


class _Conforming:
    """The stages as gateway-api.md wants them."""

    def __init__(self, contract: Contract, names: Names, render: Renderer, store: MessageStore) -> None:
        self.contract = contract
        self.names = names
        self.render = render
        self.store = store
        self.channels = frozenset(contract.channels)
        listed = ", ".join(contract.channels)
        param = names.channel_param
        self.missing_channel = ApiError(
            BAD_REQUEST, Kind.MISSING_CHANNEL, f"the {param} query parameter is required ({listed})"
        )
        self.invalid_channel = ApiError(
            BAD_REQUEST, Kind.INVALID_CHANNEL, f"{param} must be exactly one of {listed}"
        )
        ids = names.ids_param
        self.missing_ids = ApiError(BAD_REQUEST, Kind.MISSING_IDS, f"{ids} is required (one value)")
        self.empty_id = ApiError(BAD_REQUEST, Kind.EMPTY_ID, f"{ids} has an empty element")
        self.over_limit = over_limit_error(contract)
        self.send_schema = contract.schema_file("send_request")
        self.limit_names = (names.limit_header, names.remaining_header)

    def parse_channel(self, request: Request, values: list[str]) -> str | ApiError:
        if not values:
            return self.missing_channel
        if len(values) == 1 and values[0] in self.channels:
            return values[0]
        return self.invalid_channel

    def decode_id(self, request: Request, raw: bytes) -> str | ApiError:
        decoded = decode_path_param(raw)
        return INVALID_ID if decoded is None else decoded

    def parse_ids(self, request: Request, values: list[str]) -> list[str] | ApiError:
        if len(values) != 1 or not values[0]:
            return self.missing_ids
        ids = split_ids(values[0], self.names.separator)
        if "" in ids:
            return self.empty_id
        if self.over_limit is not None and len(ids) > self.contract.batch.max_ids:
            return self.over_limit
        return ids

    def find(self, request: Request, message_id: str, channel: str, company: str) -> Message | None:
        message = self.store.get(message_id)
        if message is None or message.channel != channel or message.company != company:
            return None
        return message

    def view(self, request: Request, message: Message, now: float) -> Step:
        return message.step_at(now)

    def same(self, request: Request, payload: Payload) -> Payload:
        return payload

    def batch_body(self, request: Request, found: list[Payload], missing: list[str]) -> object:
        names = self.names
        if names.batch_array:
            return found
        return {names.batch_statuses: found, names.batch_not_found: missing}

    def validate_send(self, request: Request, body: object) -> list[str]:
        return self.contract.schema_errors(self.send_schema, body)

    def destination(self, request: Request, body: object) -> str:
        number = body.get(self.names.destination) if isinstance(body, dict) else None
        # A defect may let a malformed recipient through; it still needs a string to match on.
        return number if isinstance(number, str) else json.dumps(number)

    def render_error(self, request: Request, error: ApiError) -> Response:
        return self.render.error(error)

    def limit_headers(self, request: Request, decision: Decision) -> Headers:
        limit, remaining = self.limit_names
        return (
            (limit, str(decision.limit).encode("ascii")),
            (remaining, str(decision.remaining).encode("ascii")),
        )

    def respond(self, request: Request, response: Response) -> Response:
        return response


def conforming(
    contract: Contract,
    config: SimulatorConfig,
    store: MessageStore,
    clock: Callable[[], float] = time.time,
) -> Stages:
    """Stages that honour every rule of the contract (rate limiting off: see `with_rate_limit`)."""
    names = Names.of(contract)
    render = Renderer(contract)
    render.check(contract)
    impl = _Conforming(contract, names, render, store)
    param = names.channel_param
    fast = {
        f"{param}={channel}".encode(): {param: [channel]}
        for channel in contract.channels
        if channel.isascii() and channel.isalnum() and param.isascii() and param.isalnum()
    }
    stages = Stages(
        contract=contract,
        config=config,
        store=store,
        clock=clock,
        names=names,
        render=render,
        fast_queries=fast,
        order=contract.precedence.order,
        limit=NO_LIMIT,
        rate_clock=time.monotonic,
        authenticate=Authenticator(contract, config.all_api_keys),
        rate_limit=_unlimited_check,
        peek_rate=_unlimited_peek,
        parse_channel=impl.parse_channel,
        decode_id=impl.decode_id,
        parse_ids=impl.parse_ids,
        find=impl.find,
        view=impl.view,
        make_body=body_maker(names),
        status_body=impl.same,
        batch_body=impl.batch_body,
        send_answer=impl.same,
        validate_send=impl.validate_send,
        destination=impl.destination,
        render_error=impl.render_error,
        render_throttled=_unlimited_throttled,
        limit_headers=impl.limit_headers,
        respond=impl.respond,
    )
    return stages


def with_rate_limit(stages: Stages, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> Stages:
    """A copy of `stages` limiting each key to `limit` (a fresh limiter: every key starts afresh)."""
    if limit.unlimited:
        return replace(
            stages,
            limit=limit,
            rate_clock=clock,
            rate_limit=_unlimited_check,
            peek_rate=_unlimited_peek,
            render_throttled=_unlimited_throttled,
        )
    limiter = KeyLimiter(limit.per_minute, limit.per_second, clock=clock)
    render, text = stages.render, str(limit)

    def rate_limit(request: Request, key: str) -> Decision:
        return limiter.hit(key)

    def render_throttled(request: Request, decision: Decision) -> Response:
        return render.throttled(text, decision.retry_after_s)

    return replace(
        stages,
        limit=limit,
        rate_clock=clock,
        rate_limit=rate_limit,
        peek_rate=limiter.peek,
        render_throttled=render_throttled,
    )


_ALLOWED = Decision(allowed=True, limit=0, remaining=0, retry_after_s=0)


def _unlimited_check(request: Request, key: str) -> Decision:
    return _ALLOWED


def _unlimited_peek(key: str) -> Decision:
    return _ALLOWED


def _unlimited_throttled(request: Request, decision: Decision) -> Response:
    raise RuntimeError("no rate limit is on: nothing is throttled")
