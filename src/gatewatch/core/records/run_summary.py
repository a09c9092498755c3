"""`gatewatch run`'s own run/summary.json, as `gatewatch.pipeline` writes it and the report reads it.

It says which parts ran, how each ended, and whether a signal stopped the run: the page
shows a part a signal stopped as interrupted, whatever that part's own files say.
"""

from __future__ import annotations

from dataclasses import dataclass

# A part's verdict when a signal stopped it, or stopped the run before it started: the suite's word.
from gatewatch.core.records.suite_summary import INTERRUPTED

__all__ = ["INTERRUPTED", "RUN_SUMMARY_VERSION", "RunPart", "RunSummary"]

#: The format of run/summary.json; a reader refuses a newer one. Files without it are version 1.
RUN_SUMMARY_VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class RunPart:
    """One part of the run: its exit code (None: never started), verdict and log."""

    name: str
    exit_code: int | None
    verdict: str | None
    started: bool = True
    duration_s: float | None = None
    log: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSummary:
    """The run: its parts in order, the signal that stopped it (its name), and its exit code."""

    parts: tuple[RunPart, ...] = ()
    interrupted: str | None = None
    exit_code: int | None = None
    version: int = RUN_SUMMARY_VERSION
