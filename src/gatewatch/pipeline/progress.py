"""The live view of a run: one line per part (rich on a terminal, heartbeat lines otherwise)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from gatewatch.pipeline.verdict import PartResult

# Without a terminal (CI logs), a part that is still running says so this often.
HEARTBEAT_S = 15.0
_STYLE = {"passed": "green", "failed": "red"}


class Progress:
    """What each part is doing now; `line(part, text)` folds a part's output into its one line."""

    def __init__(self, parts: Sequence[str], console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)
        self.parts = list(parts)
        self.state: dict[str, str] = dict.fromkeys(parts, "waiting")
        self.last: dict[str, str] = dict.fromkeys(parts, "")
        self.started: dict[str, float] = {}
        self.took: dict[str, float] = {}
        self._beat = 0.0
        self._live: Live | None = None

    def __enter__(self) -> Progress:
        if self.console.is_terminal:
            self._live = Live(self._table(), console=self.console, refresh_per_second=4, transient=False)
            self._live.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._live is not None:
            self._live.update(self._table())
            self._live.__exit__(kind, value, tb)

    def begin(self, part: str) -> None:
        """`part` has started."""
        self.state[part] = "running"
        self.started[part] = time.monotonic()
        self._beat = time.monotonic()
        self._plain(f"{part}: running")
        self._refresh()

    def line(self, part: str, text: str) -> None:
        """One line of `part`'s output: shown folded, as its last line."""
        if text.strip():
            self.last[part] = text.strip()
        now = time.monotonic()
        if self._live is None and now - self._beat >= HEARTBEAT_S:
            self._beat = now
            self._plain(f"{part}: {now - self.started.get(part, now):.0f} s, {self.last[part][:100]}")
        self._refresh()

    def end(self, result: PartResult) -> None:
        """`part` is over (or was never run)."""
        self.state[result.name] = result.verdict
        self.took[result.name] = result.duration_s
        self._plain(
            f"{result.name}: {result.verdict}"
            + (f" ({result.duration_s:.1f} s)" if result.duration_s else "")
        )
        self._refresh()

    def _plain(self, text: str) -> None:
        if self._live is None:
            self.console.print(text, markup=False)

    def _refresh(self) -> None:
        if self._live is not None:
            self._live.update(self._table())

    def _table(self) -> Table:
        table = Table(show_header=False, box=None, pad_edge=False)
        now = time.monotonic()
        for part in self.parts:
            state = self.state[part]
            took = self.took.get(part)
            if took is None and part in self.started:
                took = now - self.started[part]
            style = next((s for word, s in _STYLE.items() if state.startswith(word)), "yellow")
            last = self.last[part] if state == "running" else ""
            table.add_row(
                Text(part, style="bold"),
                Text(state, style=style),
                Text(f"{took:.0f} s" if took is not None else ""),
                Text(last[:90], style="dim"),
            )
        return table
