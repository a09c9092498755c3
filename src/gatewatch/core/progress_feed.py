"""A part's progress as it runs: JSON lines an engine appends and `gatewatch run` reads.

`gatewatch run` names a file per part in the child's environment (`FEED_ENV`); the
engines call `tests(...)`, `load(...)` or `probe(...)` as they go, which append one JSON
line there, or do nothing when the variable is unset (a command run on its own). The
pipeline reads new lines with a `FeedReader`, folds them into a `PartProgress` and shows
`PartProgress.text()`: the live view never needs the child's raw output.

Progress is best effort: a line that cannot be written is dropped, never an error, and a
line that does not parse is skipped.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gatewatch.core.jsonlines import json_objects
from gatewatch.core.reports_layout import part_feed_in

#: The environment variable naming the file a part reports its progress to.
FEED_ENV = "GATEWATCH_PROGRESS_FEED"
# A reader takes at most this much of a feed per read: a runaway writer cannot stall the view.
READ_LIMIT = 1 << 20
_TESTS, _LOAD, _PROBE = "tests", "load", "probe"
# A probe line's keys: named apart from the contract's own field names.
_CHANNEL, _REACHED = "on_channel", "reached"


def feed_file(folder: Path, part: str) -> Path:
    """The feed of `part` in `folder` (gatewatch run's own folder in the reports)."""
    return part_feed_in(folder, part)


def reporting() -> bool:
    """True when this process has a feed to report to."""
    return bool(os.environ.get(FEED_ENV))


def _emit(kind: str, **fields: Any) -> None:
    path = os.environ.get(FEED_ENV)
    if not path:
        return
    line = json.dumps({"kind": kind, "at": round(time.time(), 3), **fields}) + "\n"
    try:
        # One write of one short line in append mode: readers never see half of another's.
        with open(path, "a", encoding="utf-8") as feed:
            feed.write(line)
    except OSError:
        pass  # progress is a courtesy; the part's own results are what counts


def tests(*, done: int, total: int, failed: int) -> None:
    """The contract suite: tests done of total, and how many failed so far."""
    _emit(_TESTS, done=done, total=total, failed=failed)


def load(*, requests: int, rate: float, failures: int, throttled: int) -> None:
    """The load test: requests so far, the current rate (per second), failures and 429s so far."""
    _emit(_LOAD, requests=requests, rate=round(rate, 1), failures=failures, throttled=throttled)


def probe(*, channel: str, status: str) -> None:
    """The probe: a channel's message has reached `status` (or the run's outcome)."""
    _emit(_PROBE, **{_CHANNEL: channel, _REACHED: status})


@dataclass(slots=True)
class PartProgress:
    """What a part has reported so far (the latest of each kind of line)."""

    tests: dict[str, int] | None = None
    load: dict[str, float] | None = None
    channels: dict[str, str] = field(default_factory=dict)

    def fold(self, record: dict[str, Any]) -> None:
        """Take one feed line into account (one of another shape is ignored)."""
        kind = record.get("kind")
        if kind == _TESTS:
            self.tests = {k: _count(record.get(k)) for k in ("done", "total", "failed")}
        elif kind == _LOAD:
            self.load = {k: _number(record.get(k)) for k in ("requests", "rate", "failures", "throttled")}
        elif kind == _PROBE and isinstance(record.get(_CHANNEL), str):
            self.channels[record[_CHANNEL]] = str(record.get(_REACHED))

    @property
    def failures(self) -> int:
        """Failures so far (tests failed, or failed requests): a change is worth a heartbeat."""
        if self.tests is not None:
            return self.tests["failed"]
        if self.load is not None:
            return int(self.load["failures"])
        return 0

    def text(self) -> str:
        """`41/62 tests, 0 failed`; `1200 requests, 80.5/s, 0 failed, 3 throttled`; `SMS sent, RCS ...`."""
        if self.tests is not None:
            t = self.tests
            return f"{t['done']}/{t['total']} tests, {t['failed']} failed"
        if self.load is not None:
            x = self.load
            return (
                f"{x['requests']:.0f} requests, {x['rate']:.1f}/s, {x['failures']:.0f} failed, "
                f"{x['throttled']:.0f} throttled"
            )
        return ", ".join(f"{channel} {status}" for channel, status in self.channels.items())


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


class FeedReader:
    """Reads the lines appended to one feed since the last read (a partial last line waits)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._partial = b""

    def read(self) -> list[dict[str, Any]]:
        """The complete new lines, parsed; none when the file is not there yet."""
        try:
            with self.path.open("rb") as feed:
                feed.seek(self._offset)
                chunk = feed.read(READ_LIMIT)
        except OSError:
            return []
        self._offset += len(chunk)
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        return json_objects(lines)[0]
