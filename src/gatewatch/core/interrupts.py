"""SIGINT and SIGTERM as an exception, so that every `finally` runs and children are stopped.

Python's default SIGTERM ends the process at once: no `finally`, no context manager exit,
and a child simulator or Locust left running. A command that starts children calls
`install()`; both signals then raise `Interrupted` (a KeyboardInterrupt, so pytest and the
code that already handles Ctrl-C treat SIGTERM the same way), and the command's exit code
is `exit_code(signum)`: 130 for SIGINT, 143 for SIGTERM, the shell's convention.

Long-running services (the simulator, the probe loop) keep their own handlers: for them a
SIGTERM is the normal way to stop, not an interruption.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)
# The shell's convention for a process ended by signal N.
_SIGNAL_EXIT_BASE = 128
_received: list[int] = []


class Interrupted(KeyboardInterrupt):
    """The process received SIGINT or SIGTERM (`signum`)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_code(signum: int) -> int:
    """The exit code of a command stopped by `signum`: 130 (SIGINT), 143 (SIGTERM)."""
    return _SIGNAL_EXIT_BASE + signum


def received() -> int | None:
    """The first signal this process received since `install()`, if any."""
    return _received[0] if _received else None


def note(signum: int) -> None:
    """Record `signum` as received (for a handler of its own that does not raise)."""
    _received.append(signum)


def install() -> None:
    """From now on SIGINT and SIGTERM raise `Interrupted` (main thread only; else a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        return
    _received.clear()
    for sig in SIGNALS:
        signal.signal(sig, _raise)


def _raise(signum: int, frame: FrameType | None) -> None:
    first = not _received
    note(signum)
    # Only the first signal raises: a second one while the children are being stopped must
    # not abort that cleanup half way (every stop there is bounded in time anyway).
    if first:
        raise Interrupted(signum)
