"""Defects of authentication: keys not enforced, the wrong status, checks in the wrong order."""

from __future__ import annotations

from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.stages import Stages
from gatewatch.simulator.wire import CHANNEL_PARAM, SEND, ApiError, Code, Request


@defect(
    name="auth_not_enforced",
    rule="auth_required",
    description="A request with no key or an unknown key is served as the first key's company.",
)
def auth_not_enforced(st: Stages) -> None:
    inner = st.authenticate
    fallback = next(iter(st.config.all_api_keys.values()))

    def authenticate(request: Request) -> str | ApiError:
        result = inner(request)
        return fallback if isinstance(result, ApiError) else result

    st.authenticate = authenticate


@defect(
    name="bad_key_403",
    rule="auth_required",
    description="An unknown key answers 403 FORBIDDEN instead of 401.",
)
def bad_key_403(st: Stages) -> None:
    inner = st.authenticate
    forbidden = ApiError(403, Code.FORBIDDEN, "this API key may not use the gateway")

    def authenticate(request: Request) -> str | ApiError:
        result = inner(request)
        if isinstance(result, ApiError) and result.code == Code.INVALID_API_KEY:
            return forbidden
        return result

    st.authenticate = authenticate


@defect(
    name="precedence_400_before_401",
    rule="error_precedence",
    description="The channel is validated before the key: no key and a bad channel answers 400.",
)
def precedence_400_before_401(st: Stages) -> None:
    inner = st.authenticate

    def authenticate(request: Request) -> str | ApiError:
        if request.op != SEND:
            query = request.query(st.fast_queries)
            if query is not None:
                channel = st.parse_channel(request, query.get(CHANNEL_PARAM, []))
                if isinstance(channel, ApiError):
                    return channel
        return inner(request)

    st.authenticate = authenticate
