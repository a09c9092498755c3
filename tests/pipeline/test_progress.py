"""The progress feed (engines write, the pipeline reads) and the live view built from it."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from gatewatch.core import progress_feed
from gatewatch.core.progress_feed import FEED_ENV, FeedReader, PartProgress, feed_file
from gatewatch.pipeline.progress import HEARTBEAT_S, Progress, heartbeat_line
from gatewatch.pipeline.verdict import PartResult


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def fold_all(path: Path) -> PartProgress:
    progress = PartProgress()
    for record in FeedReader(path).read():
        progress.fold(record)
    return progress


def test_each_engine_reports_and_the_reader_folds_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    feed = feed_file(tmp_path, "x")
    monkeypatch.setenv(FEED_ENV, str(feed))
    progress_feed.tests(done=41, total=62, failed=2)
    assert fold_all(feed).text() == "41/62 tests, 2 failed"
    progress_feed.load(requests=1200, rate=80.47, failures=3, throttled=4)
    assert fold_all(feed).text() == "41/62 tests, 2 failed"  # a part reports one kind
    monkeypatch.setenv(FEED_ENV, str(tmp_path / "load.jsonl"))
    progress_feed.load(requests=1200, rate=80.47, failures=3, throttled=4)
    load = fold_all(tmp_path / "load.jsonl")
    assert load.text() == "1200 requests, 80.5/s, 3 failed, 4 throttled" and load.failures == 3
    monkeypatch.setenv(FEED_ENV, str(tmp_path / "probe.jsonl"))
    progress_feed.probe(channel="SMS", status="SENT")
    progress_feed.probe(channel="RCS", status="SENT")
    progress_feed.probe(channel="SMS", status="delivered")
    assert fold_all(tmp_path / "probe.jsonl").text() == "SMS delivered, RCS SENT"


def test_without_a_feed_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FEED_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    progress_feed.tests(done=1, total=2, failed=0)
    assert list(tmp_path.iterdir()) == [] and not progress_feed.reporting()
    monkeypatch.setenv(FEED_ENV, str(tmp_path / "no" / "such" / "folder.jsonl"))
    progress_feed.tests(done=1, total=2, failed=0)  # best effort: no error


def test_the_reader_takes_whole_lines_only_and_skips_what_does_not_parse(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    reader = FeedReader(path)
    assert reader.read() == []  # not there yet
    line = json.dumps({"kind": "tests", "done": 1, "total": 3, "failed": 0})
    path.write_text(f"{line}\nnot json\n[1, 2]\n{line[:10]}")
    assert reader.read() == [json.loads(line)]
    with path.open("a") as feed:
        feed.write(line[10:] + "\n")
    assert reader.read() == [json.loads(line)]
    assert reader.read() == []


def test_odd_values_read_as_zero() -> None:
    progress = PartProgress()
    progress.fold({"kind": "tests", "done": "many", "total": True})
    assert progress.text() == "0/0 tests, 0 failed"
    progress.fold({"kind": "elsewhere"})
    assert progress.text() == "0/0 tests, 0 failed"


def test_heartbeat_line() -> None:
    assert heartbeat_line("contract", 12.4, "41/62 tests, 0 failed") == (
        "contract  running 12 s  41/62 tests, 0 failed"
    )
    assert heartbeat_line("load", 0.2, "") == "load      running 0 s"


def test_without_a_terminal_a_heartbeat_per_interval_and_soon_after_new_failures(tmp_path: Path) -> None:
    out = io.StringIO()
    clock = FakeClock()
    feed = tmp_path / "contract.jsonl"
    feed.write_text("")
    view = Progress(["contract"], Console(file=out, force_terminal=False, width=80), clock=clock)

    def report(done: int, failed: int) -> None:
        with feed.open("a") as f:
            f.write(json.dumps({"kind": "tests", "done": done, "total": 62, "failed": failed}) + "\n")

    with view:
        view.begin("contract", feed)
        report(10, 0)
        clock.now += 1.0
        view.tick()  # the first counts
        report(20, 0)
        clock.now += 1.0
        view.tick()  # nothing new to tell: quiet
        clock.now += HEARTBEAT_S
        view.tick()  # the interval has passed
        report(21, 1)
        clock.now += 1.0
        view.tick()  # a failure: told at once
        view.end(PartResult("contract", 1, 12.34))
    assert out.getvalue().splitlines() == [
        "contract  running 0 s",
        "contract  running 1 s  10/62 tests, 0 failed",
        "contract  running 7 s  20/62 tests, 0 failed",
        "contract  running 8 s  21/62 tests, 1 failed",
        "contract  failed (12.3 s)",
    ]


def test_on_a_terminal_the_table_ticks_and_shows_the_counts(tmp_path: Path) -> None:
    clock = FakeClock()
    feed = tmp_path / "load.jsonl"
    record = {"kind": "load", "requests": 300, "rate": 25.0, "failures": 0, "throttled": 2}
    feed.write_text(json.dumps(record) + "\n")
    screen = io.StringIO()
    view = Progress(["contract", "load"], Console(file=screen, force_terminal=True, width=100), clock=clock)
    shot = Console(file=io.StringIO(), width=100, record=True)
    with view:
        view.end(PartResult("contract", 0, 19.0))
        view.begin("load", feed)
        clock.now += 3.0
        view.tick()
        shot.print(view)
        first = shot.export_text(clear=True)
        clock.now += 9.0  # nothing reported meanwhile: the time moves on regardless
        shot.print(view)
        second = shot.export_text(clear=True)
    assert re.search(r"contract +passed +19 s", first)
    assert re.search(r"load +running +3 s +300 requests, 25.0/s, 0 failed, 2 throttled", first)
    assert re.search(r"load +running +12 s +300 requests", second)
    # On a terminal the table is all there is: no heartbeat or end line printed into it.
    assert "running 3 s" not in screen.getvalue() and "passed (19.0 s)" not in screen.getvalue()
