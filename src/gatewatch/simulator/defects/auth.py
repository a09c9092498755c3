"""Defects of authentication: keys not enforced, the wrong status, checks in the wrong order."""

from __future__ import annotations

from dataclasses import replace

from gatewatch.simulator.auth import Caller
from gatewatch.simulator.checkpoints import ordered
from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.errors import BAD_REQUEST, FORBIDDEN, UNAUTHORIZED, ApiError, ErrorKind
from gatewatch.simulator.http import Request
from gatewatch.simulator.stages import Stages


@defect(
    name="auth_not_enforced",
    rule="auth_required",
    description="A request with no key or an unknown key is served as the first key's company.",
)
def auth_not_enforced(st: Stages) -> Stages:
    inner = st.authenticate
    key, company = next(iter(st.context.config.all_api_keys.items()))
    fallback = Caller(key, company)

    def authenticate(st: Stages, request: Request) -> Caller | ApiError:
        result = inner(st, request)
        return fallback if isinstance(result, ApiError) else result

    return replace(st, authenticate=authenticate)


@defect(
    name="bad_key_403",
    rule="auth_required",
    description="An unknown key answers 403 FORBIDDEN instead of 401.",
)
def bad_key_403(st: Stages) -> Stages:
    inner = st.authenticate
    forbidden = ApiError(FORBIDDEN, ErrorKind.FORBIDDEN, "this API key may not use the gateway")

    def authenticate(st: Stages, request: Request) -> Caller | ApiError:
        result = inner(st, request)
        if isinstance(result, ApiError) and result.kind == ErrorKind.INVALID_API_KEY:
            return forbidden
        return result

    return replace(st, authenticate=authenticate)


@defect(
    name="precedence_400_before_401",
    rule="error_precedence",
    description="Parameters and bodies are validated before the key: no key and a bad channel answers 400.",
)
def precedence_400_before_401(st: Stages) -> Stages:
    # The order is data: move the bad_request check just ahead of the key's.
    roles = [role for role in ordered(st.order) if role != BAD_REQUEST]
    roles.insert(roles.index(UNAUTHORIZED), BAD_REQUEST)
    return replace(st, order=tuple(roles))
