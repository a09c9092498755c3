"""The steps every answer goes through, as replaceable functions.

A handler (handlers.py) calls these stages in the order the contract's error precedence
dictates; it never asks which defects are on. The conforming stages below honour
gateway-api.md. A defect (defects/) breaks one rule by wrapping one or two stages, the
way middleware wraps an app, so adding a defect never touches a handler.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gatewatch.contract import Contract
from gatewatch.simulator.config import SimulatorConfig
from gatewatch.simulator.lifecycle import Step
from gatewatch.simulator.store import Message, MessageStore
from gatewatch.simulator.wire import (
    CHANNEL_PARAM,
    ApiError,
    Code,
    Query,
    Request,
    Response,
    decode_path_param,
    error_response,
)

Payload = dict[str, Any]

#: The company behind the request's key, or the 401 to answer.
Authenticate = Callable[[Request], "str | ApiError"]
#: The channel query values -> the channel to scope by, or the 400 to answer.
ParseChannel = Callable[[Request, list[str]], "str | ApiError"]
#: The raw (still percent-encoded) path id -> the id, or the error to answer.
DecodeId = Callable[[Request, bytes], "str | ApiError"]
#: The customerMessageIds query values -> the ids of a batch, or the 400 to answer.
ParseIds = Callable[[Request, list[str]], "list[str] | ApiError"]
#: (request, id, channel, company) -> the message the caller may see, or None (404).
Find = Callable[[Request, str, str, str], "Message | None"]
#: (request, message, now) -> the step the answer reports.
View = Callable[[Request, Message, float], Step]
#: A 2xx body (or one status body of a batch) on its way out.
Shape = Callable[[Request, Payload], Payload]
#: (request, parsed JSON body) -> why the send body is invalid (empty when valid).
ValidateSend = Callable[[Request, object], list[str]]
RenderError = Callable[[Request, ApiError], Response]
#: The last look at every answer, errors included.
Respond = Callable[[Request, Response], Response]


def missing_key(contract: Contract) -> ApiError:
    """The 401 for a request without a key."""
    return ApiError(
        401,
        Code.MISSING_API_KEY,
        f"missing API key: send {contract.auth_header}: {contract.auth_scheme} <key>",
    )


INVALID_KEY = ApiError(401, Code.INVALID_API_KEY, "unknown API key")
INVALID_QUERY = ApiError(400, Code.INVALID_QUERY, "the query string is not valid UTF-8")
INVALID_ID = ApiError(400, Code.INVALID_ID, "the customerMessageId is not valid UTF-8")
MISSING_IDS = ApiError(400, Code.MISSING_IDS, "customerMessageIds is required (one value)")
EMPTY_ID = ApiError(400, Code.EMPTY_ID, "customerMessageIds has an empty element")
MESSAGE_NOT_FOUND = ApiError(
    404, Code.MESSAGE_NOT_FOUND, "no message with this id for the given channel and company"
)
INTERNAL_ERROR = ApiError(500, Code.INTERNAL_ERROR, "unexpected server error; retry shortly")


@dataclass(slots=True, kw_only=True)
class Stages:
    """The stage functions of one simulator, plus what they need to know."""

    contract: Contract
    config: SimulatorConfig
    store: MessageStore
    clock: Callable[[], float]
    #: Query strings seen on nearly every lookup (`channel=X`), parsed once up front.
    fast_queries: dict[bytes, Query]
    authenticate: Authenticate
    parse_channel: ParseChannel
    decode_id: DecodeId
    parse_ids: ParseIds
    find: Find
    view: View
    status_body: Shape
    payload: Shape
    validate_send: ValidateSend
    render_error: RenderError
    respond: Respond
    #: Names of the defects installed, in order.
    defects: tuple[str, ...] = field(default=())

    def fail(self, request: Request, error: ApiError) -> Response:
        """Render `error` and let the last stage see it."""
        return self.respond(request, self.render_error(request, error))


def split_ids(raw: str, separator: str) -> list[str]:
    """The elements of a customerMessageIds value."""
    return raw.split(separator)


class _Conforming:
    """The stages as gateway-api.md wants them."""

    def __init__(self, contract: Contract, config: SimulatorConfig, store: MessageStore) -> None:
        self.contract = contract
        self.store = store
        self.keys = dict(config.all_api_keys)
        self.scheme = contract.auth_scheme.lower()
        # The exact header values of the known keys: one dict lookup on the hot path.
        self.by_header = {
            f"{contract.auth_scheme} {key}".encode("latin-1"): company
            for key, company in self.keys.items()
            if key.isascii()
        }
        self.channels = frozenset(contract.channels)
        self.missing_key = missing_key(contract)
        listed = ", ".join(contract.channels)
        self.missing_channel = ApiError(
            400, Code.MISSING_CHANNEL, f"the channel query parameter is required ({listed})"
        )
        self.invalid_channel = ApiError(400, Code.INVALID_CHANNEL, f"channel must be exactly one of {listed}")
        self.too_many_ids = ApiError(
            400, Code.TOO_MANY_IDS, f"at most {contract.batch_max_ids} ids per batch"
        )
        self.rendered: dict[ApiError, Response] = {}

    def authenticate(self, request: Request) -> str | ApiError:
        raw = request.authorization
        if raw is None:
            return self.missing_key
        company = self.by_header.get(raw)
        if company is not None:
            return company
        scheme, _, key = raw.decode("latin-1").strip().partition(" ")
        key = key.strip()
        if not key:
            return self.missing_key
        if scheme.lower() != self.scheme:
            return INVALID_KEY
        return self.keys.get(key, INVALID_KEY)

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
            return MISSING_IDS
        ids = split_ids(values[0], self.contract.batch_separator)
        if "" in ids:
            return EMPTY_ID
        if len(ids) > self.contract.batch_max_ids:
            return self.too_many_ids
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

    def validate_send(self, request: Request, body: object) -> list[str]:
        return self.contract.schema_errors("send-request.json", body)

    def render_error(self, request: Request, error: ApiError) -> Response:
        # Error answers are constant per kind: encode each once.
        rendered = self.rendered.get(error)
        if rendered is None:
            rendered = self.rendered[error] = error_response(error)
        return rendered

    def respond(self, request: Request, response: Response) -> Response:
        return response


def conforming(
    contract: Contract,
    config: SimulatorConfig,
    store: MessageStore,
    clock: Callable[[], float] = time.time,
) -> Stages:
    """Stages that honour every rule of the contract."""
    impl = _Conforming(contract, config, store)
    fast = {
        f"{CHANNEL_PARAM}={channel}".encode(): {CHANNEL_PARAM: [channel]}
        for channel in contract.channels
        if channel.isascii() and channel.isalnum()
    }
    return Stages(
        contract=contract,
        config=config,
        store=store,
        clock=clock,
        fast_queries=fast,
        authenticate=impl.authenticate,
        parse_channel=impl.parse_channel,
        decode_id=impl.decode_id,
        parse_ids=impl.parse_ids,
        find=impl.find,
        view=impl.view,
        status_body=impl.same,
        payload=impl.same,
        validate_send=impl.validate_send,
        render_error=impl.render_error,
        respond=impl.respond,
    )
