"""A part's outcome from its exit code, and the run's exit code from the parts': pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gatewatch.core.errors import ExitCode
from gatewatch.core.records.suite_summary import FAILED, INTERRUPTED, PASSED

VERDICTS = {
    ExitCode.OK: PASSED,
    ExitCode.TARGET_FAILED: FAILED,
    ExitCode.USAGE: "usage or configuration error",
    ExitCode.UNREACHABLE: "target unreachable",
}
# The worst first: a configuration problem says nothing about the target, an unreachable
# target says nothing about its contract; only then does a failed part decide.
_SEVERITY = (ExitCode.USAGE, ExitCode.UNREACHABLE, ExitCode.TARGET_FAILED)


@dataclass(frozen=True, slots=True)
class PartResult:
    """What one part did: its exit code (None: not run), how long, and where its log is."""

    name: str
    exit_code: int | None
    duration_s: float = 0.0
    detail: str = ""
    #: Stopped by SIGINT or SIGTERM, or never started because of one: no verdict.
    interrupted: bool = False
    #: Whether the part's process was started (an interrupted part may not have been).
    started: bool = True

    @property
    def verdict(self) -> str:
        """passed, failed, ..., interrupted, or `not run` with the reason."""
        if self.interrupted:
            return INTERRUPTED
        if self.exit_code is None:
            return f"not run: {self.detail}" if self.detail else "not run"
        try:
            return VERDICTS[ExitCode(self.exit_code)]
        except ValueError:
            return f"exit {self.exit_code}"


def overall_exit(results: Sequence[PartResult]) -> ExitCode:
    """0 only when every part that ran passed; otherwise the most telling documented code."""
    codes = {r.exit_code for r in results if r.exit_code is not None}
    for code in _SEVERITY:
        if code in codes:
            return code
    unexpected = codes - {ExitCode.OK}
    return ExitCode.USAGE if unexpected else ExitCode.OK


def stops_the_run(result: PartResult) -> bool:
    """After a configuration error or an unreachable target, the later parts would only repeat it."""
    return result.exit_code in (ExitCode.USAGE, ExitCode.UNREACHABLE)
