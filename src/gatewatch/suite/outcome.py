"""The suite's verdict as a value: what a run in this process decided, for whoever started it.

`gatewatch contract` runs pytest in-process and passes a `SuiteOutcome` in
`pytest.main(args, plugins=[outcome])`; at the session's end it holds why the suite stopped
before its tests (the error's exit code: 2 usage or configuration, 3 unreachable), if it
did. pytest's own exit code 3 means an internal error, so "unreachable" cannot travel
through pytest's return value alone. Each run gets its own outcome, so nothing carries
over from one run to the next; a plain `pytest` run has none and needs none (the plugin
sets the session's exit status itself).
"""

from __future__ import annotations

import pytest

from gatewatch.core.errors import ExitCode

# Set by the plugin when it stops the run before the suite's tests (gatewatch.suite.plugin).
STOPPED_KEY = pytest.StashKey[ExitCode]()


class SuiteOutcome:
    """A pytest plugin object that keeps the verdict of the one run it was passed to."""

    def __init__(self) -> None:
        self.stopped: ExitCode | None = None  # why no suite test ran, when the suite stopped early
        self.exitstatus: int | None = None  # pytest's exit status, once the session ended

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.stopped = session.config.stash.get(STOPPED_KEY, None)
        self.exitstatus = int(session.exitstatus)
