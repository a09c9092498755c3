"""Defects of error answers: their body, their code, and 500s that repeat on retry."""

from __future__ import annotations

from dataclasses import replace

from gatewatch.simulator.defects._support import Counts
from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.stages import INTERNAL_ERROR, Stages
from gatewatch.simulator.wire import LOOKUP, TEXT_TYPE, ApiError, Request, Response

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
def error_body_not_json(st: Stages) -> None:
    def render_error(request: Request, error: ApiError) -> Response:
        return Response(error.status, f"{error.status} {error.message}".encode(), TEXT_TYPE)

    st.render_error = render_error


@defect(
    name="error_code_not_snake",
    rule="error_body",
    description="Error codes are camelCase (notFound style), not UPPER_SNAKE_CASE.",
)
def error_code_not_snake(st: Stages) -> None:
    inner = st.render_error

    def render_error(request: Request, error: ApiError) -> Response:
        return inner(request, replace(error, code=_camel(error.code)))

    st.render_error = render_error


@defect(
    name="flaky_500",
    rule="server_error_retried",
    description="Every 10th lookup (from the first) answers 500, and so do 2 retries of that id.",
)
def flaky_500(st: Stages) -> None:
    inner = st.respond
    lookups = 0
    failing = Counts()

    def respond(request: Request, response: Response) -> Response:
        nonlocal lookups
        response = inner(request, response)
        if request.op != LOOKUP:
            return response
        lookups += 1
        key = request.path_param.decode("latin-1")
        left = failing.get(key)
        if left:
            failing.set(key, left - 1)
        elif lookups % _FLAKY_EVERY == 1:
            failing.set(key, _FLAKY_REPEATS)
        else:
            return response
        return st.render_error(request, INTERNAL_ERROR)

    st.respond = respond
