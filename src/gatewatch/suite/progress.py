"""The suite's progress for `gatewatch run`'s live view: tests done of total, failures so far."""

from __future__ import annotations

import pytest

from gatewatch.core import progress_feed

PLUGIN_NAME = "gatewatch-progress"


class SuiteProgress:
    """A pytest plugin object: one feed line per finished test (registered only under gatewatch run)."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.failed = 0

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """The number of tests that will run (after -k and deselection)."""
        self.total = len(session.items)
        progress_feed.tests(done=0, total=self.total, failed=0)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """A test is done after its call, or after a setup that failed or skipped it."""
        if report.failed:
            self.failed += 1
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.done += 1
        elif not report.failed:
            return
        progress_feed.tests(done=self.done, total=self.total, failed=self.failed)


def register(config: pytest.Config) -> None:
    """Add the plugin when `gatewatch run` asked for progress (its feed is in the environment)."""
    if progress_feed.reporting() and not config.pluginmanager.has_plugin(PLUGIN_NAME):
        config.pluginmanager.register(SuiteProgress(), PLUGIN_NAME)
