"""How a failed suite test reads: gatewatch's own text in place of pytest's traceback.

A contract failure says, once and cause first: each broken rule with its provenance and
why, the request (a curl line), the answer, and the command that replays the test. A
shared fixture that fails while setting tests up (the fleet's sends) is one failure with
its cause; every later test that needed it is reported as not run, in one line that
names the cause. The harness's own stack frames are shown only with GATEWATCH_DEBUG=1
(`gatewatch.core.config.debug_frames`), when the plugin leaves pytest's reports alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from gatewatch.checks import Violation
from gatewatch.core.config import DEBUG_ENV
from gatewatch.core.exchange import Exchange
from gatewatch.suite.session import ContractViolation

#: Calls shown per failure, and broken rules per call; the others are counted in a line.
MAX_CALLS = 3
MAX_HEADLINES = 5
MAX_MESSAGE_CHARS = 600
MAX_BODY_CHARS = 300
MAX_CURL_CHARS = 1500
#: Hypothesis's notes (the failing example; a state machine's steps), each folded to one line.
MAX_NOTES = 15
MAX_NOTE_CHARS = 300
MAX_ERROR_LINES = 8
MAX_FAILED_SETUPS = 20
INDENT = "  "


class SetupFailed(Exception):
    """A shared fixture failed: which one, what it does, and the error that stopped it (`cause`)."""

    def __init__(self, fixture: str, what: str, cause: BaseException) -> None:
        self.fixture = fixture
        self.what = what
        self.cause = cause
        super().__init__(f"{fixture} ({what}) failed: {cause}")


@dataclass(frozen=True, slots=True)
class Crash:
    """The failure in one line: pytest's short summary and JUnit's failure message read it."""

    path: str
    lineno: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.lineno}: {self.message}"


@dataclass(frozen=True, slots=True)
class FailureText:
    """A report's longrepr: pytest prints these lines as they are, with no frames."""

    lines: tuple[str, ...]
    reprcrash: Crash

    def toterminal(self, out: Any) -> None:
        """Write the lines (pytest's TerminalWriter)."""
        for line in self.lines:
            out.line(line)

    def __str__(self) -> str:
        return "\n".join(self.lines)


def contract_violation(error: BaseException | None) -> ContractViolation | None:
    """The ContractViolation behind `error`: itself, a setup's cause, or one in an exception group."""
    for _ in range(10):  # bounded: causes do not nest deeper in practice
        if error is None or isinstance(error, ContractViolation):
            return error
        if isinstance(error, SetupFailed):
            error = error.cause
        elif isinstance(error, BaseExceptionGroup):
            found = (contract_violation(inner) for inner in error.exceptions)
            return next((v for v in found if v is not None), None)
        else:
            return None
    return None


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def exchange_lines(exchange: Exchange) -> list[str]:
    """The request as a curl line and the answer in one line (both already redacted)."""
    answer = exchange.response
    how = f"{answer.media_type or 'no Content-Type'}, {exchange.attempts} attempt(s)"
    if exchange.retried:
        how += f" (retried: {', '.join(str(r.status) for r in exchange.retried)})"
    body = _one_line(answer.text(MAX_BODY_CHARS)) or "(empty body)"
    return [
        f"{INDENT}request: {_bounded(exchange.request.curl(), MAX_CURL_CHARS)}",
        f"{INDENT}answer:  {answer.status} [{how}] {body}",
    ]


def violation_lines(violations: Sequence[Violation]) -> list[str]:
    """Each call's broken rules, then its request and answer, once per call; bounded."""
    calls: dict[int, tuple[Exchange | None, list[str]]] = {}
    for v in violations:
        key = id(v.exchange) if v.exchange is not None else id(v)
        headlines = calls.setdefault(key, (v.exchange, []))[1]
        headline = _bounded(v.headline(), MAX_MESSAGE_CHARS)
        if headline not in headlines:
            headlines.append(headline)
    lines: list[str] = []
    shown = list(calls.values())
    for exchange, headlines in shown[:MAX_CALLS]:
        lines += headlines[:MAX_HEADLINES]
        if len(headlines) > MAX_HEADLINES:
            lines.append(f"... and {len(headlines) - MAX_HEADLINES} more on this call")
        if exchange is not None:
            lines += exchange_lines(exchange)
    rest = shown[MAX_CALLS:]
    if rest:
        rules = sorted({h.split(" ", 1)[0].lstrip("[") for _, headlines in rest for h in headlines})
        lines.append(f"... and {len(rest)} more call(s) that broke {', '.join(rules)}")
    return lines


def note_lines(error: BaseException) -> list[str]:
    """Hypothesis's notes on `error` (the failing example), each folded into one bounded line."""
    notes = [str(n) for n in getattr(error, "__notes__", None) or []]
    lines = []
    for note in notes[:MAX_NOTES]:
        folded = " ".join(part.strip() for part in note.splitlines() if part.strip())
        folded = re.sub(r",?\s*\)$", ")", re.sub(r"\(\s+", "(", folded))
        lines.append(_bounded(folded, MAX_NOTE_CHARS))
    if len(notes) > MAX_NOTES:
        lines.append(f"(and {len(notes) - MAX_NOTES} more note(s))")
    return lines


def error_lines(error: BaseException) -> list[str]:
    """An error that is not a contract failure: its type and message, and how to see where it came from."""
    text = [line for line in str(error).splitlines() if line.strip()] or [""]
    lines = [f"{type(error).__name__}: {_bounded(text[0], MAX_MESSAGE_CHARS)}"]
    lines += [f"{INDENT}{_bounded(line, MAX_MESSAGE_CHARS)}" for line in text[1:MAX_ERROR_LINES]]
    if len(text) > MAX_ERROR_LINES:
        lines.append(f"{INDENT}... ({len(text) - MAX_ERROR_LINES} more line(s))")
    lines.append(f"(the harness's own frames are hidden: set {DEBUG_ENV}=1 to see them)")
    return lines


def describe(error: BaseException) -> tuple[list[str], str]:
    """The lines that explain `error`, cause first, and its one-line summary."""
    if isinstance(error, SetupFailed):
        lines, summary = describe(error.cause)
        head = f"setup failed: {error.fixture} ({error.what}); the tests that need it do not run"
        return [head, *lines], f"{error.fixture} failed: {summary}"
    violation = contract_violation(error)
    if violation is not None and violation.violations:
        return (
            [*violation_lines(violation.violations), *note_lines(error)],
            _bounded(violation.violations[0].headline(), MAX_MESSAGE_CHARS),
        )
    lines = error_lines(error)
    return [*lines, *note_lines(error)], lines[0]


@dataclass(frozen=True, slots=True)
class _FailedSetup:
    error: BaseException
    test: str
    what: str
    summary: str


class FailureOutput:
    """Rewrites the reports of a run's failed suite tests, and remembers the setups that failed."""

    def __init__(self, replay: Callable[[str], str]) -> None:
        #: nodeid -> the one-line command that replays that test.
        self.replay = replay
        self._setups: list[_FailedSetup] = []

    def rewrite(self, item: pytest.Item, report: pytest.TestReport, error: BaseException) -> None:
        """Put gatewatch's text in `report` (a failed phase of a suite test) in place of the traceback."""
        path, line, _ = item.location
        if report.when == "setup":
            earlier = next((s for s in self._setups if s.error is error), None)
            if earlier is not None:
                # The same shared fixture failing again: say so in one line, as not run.
                reason = f"{item.name}: not run, {earlier.what} failed (the cause is under {earlier.test})"
                report.outcome = "skipped"
                report.longrepr = (path, (line or 0) + 1, reason)
                return
        lines, summary = describe(error)
        if report.when == "setup" and len(self._setups) < MAX_FAILED_SETUPS:
            what = error.fixture if isinstance(error, SetupFailed) else "a shared fixture"
            self._setups.append(_FailedSetup(error, item.name, what, summary))
        lines.append(f"replay: {self.replay(item.nodeid)}")
        # pytest takes any longrepr with toterminal() (and reprcrash for its one-line summaries).
        report.longrepr = FailureText(tuple(lines), Crash(path, (line or 0) + 1, summary))  # type: ignore[assignment]
