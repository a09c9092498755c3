"""Defects of error answers: their body, their code, their shape, and 500s that repeat on retry."""

from __future__ import annotations

import json
from dataclasses import replace

from gatewatch.contract import Contract
from gatewatch.contract.operations import Operation
from gatewatch.simulator.defects._support import Counts, other_dialect
from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.errors import INTERNAL_ERROR, ApiError, Role
from gatewatch.simulator.http import TEXT_TYPE, Response, encode
from gatewatch.simulator.routes import Routing
from gatewatch.simulator.stages import Stages

# Lookups 1, 11, 21, ... fail, so a short run sees it as surely as a long one.
_FLAKY_EVERY = 10
# ... and so do the next lookups of the same id: the default two retries fail too.
_FLAKY_REPEATS = 2


def _camel(code: str) -> str:
    head, *rest = code.lower().split("_")
    return head + "".join(part.capitalize() for part in rest)


@defect(
    name="error_body_not_json",
    rule="error_body",
    description="Error answers are plain text ('404 Not Found'), not the JSON error body.",
)
def error_body_not_json(st: Stages) -> Stages:
    render = st.context.render

    def render_error(st: Stages, op: Operation | None, error: ApiError) -> Response:
        status = render.status(error)
        return Response(status, f"{status} {error.message}".encode(), TEXT_TYPE, error.headers)

    return replace(st, render_error=render_error)


def _has_code(contract: Contract) -> bool:
    return Role.CODE in contract.error.fields


@defect(
    name="error_code_not_snake",
    rule="error_body",
    description="Error codes are camelCase (notFound style), not UPPER_SNAKE_CASE.",
    applies=_has_code,
)
def error_code_not_snake(st: Stages) -> Stages:
    inner = st.render_error

    def render_error(st: Stages, op: Operation | None, error: ApiError) -> Response:
        return inner(st, op, replace(error, kind=_camel(error.kind)))

    return replace(st, render_error=render_error)


def _other_shape(contract: Contract) -> Contract | None:
    return other_dialect(contract, lambda c: frozenset(c.error.fields))


@defect(
    name="error_body_other_shape",
    rule="error_body",
    description="Error bodies come in the other dialect's shape ({code, message} for {status, error, ...}).",
    applies=lambda contract: _other_shape(contract) is not None,
)
def error_body_other_shape(st: Stages) -> Stages:
    other = _other_shape(st.context.contract)
    if other is None:
        return st
    render, fields = st.context.render, dict(other.error.fields)

    def render_error(st: Stages, op: Operation | None, error: ApiError) -> Response:
        return render.error(error, fields)

    return replace(st, render_error=render_error)


def _echoes_status(contract: Contract) -> bool:
    return contract.error.status_field is not None


@defect(
    name="error_status_mismatch",
    rule="error_body",
    description="The error body's status field says 200 whatever the HTTP code.",
    applies=_echoes_status,
)
def error_status_mismatch(st: Stages) -> Stages:
    inner = st.render_error
    field, ok = st.context.contract.error.status_field, st.context.names.ok

    def render_error(st: Stages, op: Operation | None, error: ApiError) -> Response:
        answer = inner(st, op, error)
        payload = json.loads(answer.body)
        if isinstance(payload, dict) and field in payload:
            payload[field] = ok
        return Response(answer.status, encode(payload), answer.content_type, answer.headers)

    return replace(st, render_error=render_error)


@defect(
    name="flaky_500",
    rule="server_error_retried",
    description="Every 10th lookup (from the first) answers 500, and so do 2 retries of that id.",
)
def flaky_500(st: Stages) -> Stages:
    inner = st.respond
    lookups = 0
    failing = Counts()

    def respond(st: Stages, routing: Routing, response: Response) -> Response:
        nonlocal lookups
        response = inner(st, routing, response)
        if routing.op != Operation.LOOKUP:
            return response
        lookups += 1
        key = routing.path_id.decode("latin-1")
        left = failing.get(key)
        if left:
            failing.set(key, left - 1)
        elif lookups % _FLAKY_EVERY == 1:
            failing.set(key, _FLAKY_REPEATS)
        else:
            return response
        return st.render_error(st, routing.op, INTERNAL_ERROR)

    return replace(st, respond=respond)
