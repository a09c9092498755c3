"""The live view of a run: what each part reports on its progress feed, never its raw output.

On a terminal, a rich table redrawn four times a second (so the elapsed time ticks even
while a part says nothing); without one (CI logs), a heartbeat line per running part every
HEARTBEAT_S, soon after its failures change, and one line when it ends:

    contract  running 12 s  41/62 tests, 0 failed
    contract  passed (19.3 s)

The part's own output goes to its log only: pytest's dots and Locust's tables would cut
across the table on a terminal and at 80 columns in CI.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from gatewatch.core.progress_feed import FeedReader, PartProgress
from gatewatch.core.records.suite_summary import FAILED, INTERRUPTED, PASSED
from gatewatch.pipeline.verdict import PartResult

# Without a terminal (CI logs), a part that is still running says so this often.
HEARTBEAT_S = 5.0
# A change of failures is told at once, but no more often than this (a failing suite fails fast).
CHANGE_BEAT_S = 1.0
NAME_WIDTH = 9
RUNNING, WAITING = "running", "waiting"
_STYLE = {PASSED: "green", FAILED: "red", INTERRUPTED: "red"}

Clock = Callable[[], float]


def heartbeat_line(part: str, elapsed_s: float, progress: str) -> str:
    """`contract  running 12 s  41/62 tests, 0 failed` (no progress yet: just the time)."""
    line = f"{part:<{NAME_WIDTH}} {RUNNING} {elapsed_s:.0f} s"
    return f"{line}  {progress}" if progress else line


def end_line(result: PartResult) -> str:
    """`contract  passed (19.3 s)`, `load      interrupted (4.0 s)`, `probe     not run: ...`."""
    took = f" ({result.duration_s:.1f} s)" if result.duration_s else ""
    return f"{result.name:<{NAME_WIDTH}} {result.verdict}{took}"


@dataclass(slots=True)
class _Part:
    state: str = WAITING
    started: float | None = None
    took: float | None = None
    feed: FeedReader | None = None
    progress: PartProgress = field(default_factory=PartProgress)
    # What the last heartbeat said, so that a change of failures is told at once.
    beat_at: float | None = None
    beat_failures: int | None = None


class Progress:
    """The view: `begin(part, feed)`, `tick()` while it runs, `end(result)`; a context manager."""

    def __init__(
        self, parts: Sequence[str], console: Console | None = None, *, clock: Clock = time.monotonic
    ) -> None:
        self.console = console or Console(highlight=False)
        self.clock = clock
        self.parts = {name: _Part() for name in parts}
        self._live: Live | None = None

    def __enter__(self) -> Progress:
        if self.console.is_terminal:
            # The view itself is the renderable: every refresh redraws it, so time ticks.
            self._live = Live(self, console=self.console, refresh_per_second=4, transient=False)
            self._live.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._live is not None:
            self._live.refresh()
            self._live.__exit__(kind, value, tb)
            self._live = None

    def begin(self, part: str, feed: Path | None = None) -> None:
        """`part` has started; it reports its progress to `feed`."""
        state = self.parts[part]
        state.state = RUNNING
        state.started = self.clock()
        state.feed = FeedReader(feed) if feed is not None else None
        self._beat(part, state)

    def tick(self) -> None:
        """Read what the running parts reported; without a terminal, a heartbeat when one is due."""
        for name, state in self.parts.items():
            if state.state != RUNNING:
                continue
            if state.feed is not None:
                for record in state.feed.read():
                    state.progress.fold(record)
            since = None if state.beat_at is None else self.clock() - state.beat_at
            # The first counts and a change of failures are told at once (or nearly).
            changed = state.beat_failures != (state.progress.failures if state.progress.text() else None)
            if since is None or since >= HEARTBEAT_S or (changed and since >= CHANGE_BEAT_S):
                self._beat(name, state)

    def end(self, result: PartResult) -> None:
        """`part` is over (or was never run)."""
        state = self.parts[result.name]
        self.tick()
        state.state = result.verdict
        state.took = result.duration_s
        self._plain(end_line(result))

    def _beat(self, part: str, state: _Part) -> None:
        now = self.clock()
        state.beat_at = now
        text = state.progress.text()
        state.beat_failures = state.progress.failures if text else None
        self._plain(heartbeat_line(part, now - (state.started or now), text))

    def _plain(self, text: str) -> None:
        if self._live is None:
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def __rich__(self) -> Table:
        """The table: part, state, elapsed time, what it reported."""
        table = Table(show_header=False, box=None, pad_edge=False)
        now = self.clock()
        for part, state in self.parts.items():
            took = state.took
            if took is None and state.started is not None:
                took = now - state.started
            style = next((s for word, s in _STYLE.items() if state.state.startswith(word)), "yellow")
            table.add_row(
                Text(part, style="bold"),
                Text(state.state, style=style),
                Text(f"{took:.0f} s" if took is not None else ""),
                Text(state.progress.text(), style="dim"),
            )
        return table
