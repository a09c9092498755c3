"""A time budget for Hypothesis's shrinking of a failure against a live target.

Every shrink attempt is a round of HTTP requests, so shrinking a failure that shows on
almost any input can take minutes. Once a test has failed and its budget has run out,
new candidate examples are rejected without a request, so the shrinker stops with the
smallest example that really failed; examples that already failed still run, so
Hypothesis's final replay of that example fails as it did.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import reject

F = TypeVar("F", bound=Callable[..., Any])


def shrink_budget(seconds: float) -> Callable[[F], F]:
    """Bound the shrinking of the decorated Hypothesis test body to `seconds` (put it under @given)."""

    def decorate(fn: F) -> F:
        failed: set[str] = set()
        first_failure: list[float] = []

        @functools.wraps(fn)
        def bounded(*args: Any, **kwargs: Any) -> Any:
            key = repr((args, sorted(kwargs.items())))
            if first_failure and time.monotonic() - first_failure[0] > seconds and key not in failed:
                reject()
            try:
                return fn(*args, **kwargs)
            except Exception:
                failed.add(key)
                if not first_failure:
                    first_failure.append(time.monotonic())
                raise

        return bounded  # type: ignore[return-value]

    return decorate
