"""The probe's sense of time, injectable: the real clocks, and waits a stop request cuts short.

The engine never calls time.sleep: it waits on a `Clock`, so SIGTERM ends a wait at once
(the run is then recorded as far as it got) and unit tests run on a fake clock in no time.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Monotonic time for durations, wall time for records, and interruptible waits."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""

    def time(self) -> float:
        """Seconds since the epoch (for timestamps in records and metrics)."""

    def wait(self, seconds: float) -> bool:
        """Wait up to `seconds`; True when a stop was requested (at once if already)."""

    @property
    def stopping(self) -> bool:
        """True once a stop was requested."""


class SystemClock:
    """The real clocks; `stop()` (e.g. from a signal handler) ends every current and later wait."""

    def __init__(self, stop_event: threading.Event | None = None) -> None:
        self._stop = stop_event or threading.Event()

    def monotonic(self) -> float:
        """time.monotonic()."""
        return time.monotonic()

    def time(self) -> float:
        """time.time()."""
        return time.time()

    def wait(self, seconds: float) -> bool:
        """Event.wait: returns early, True, when stopped."""
        if seconds <= 0:
            return self._stop.is_set()
        return self._stop.wait(seconds)

    def stop(self) -> None:
        """Request a stop."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        """True once stop() was called."""
        return self._stop.is_set()
