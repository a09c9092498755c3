"""The page in a real browser: headless Chromium renders it without a console message and draws the charts.

In CI (CI set) a missing browser fails the test: `.ci/run` must install it
(`apt-get install -y chromium`). Chromium runs as root here, hence --no-sandbox; every
run has its own profile folder and a deadline, and is killed by its pid past it.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from gatewatch.report import build_index
from tests.report.conftest import require_tool, run_bounded

TIMEOUT_S = 90
WINDOW = (1280, 2000)
CONSOLE = re.compile(r":CONSOLE(?:\(\d+\)|:\d+)\]|Uncaught")
HOW = "Debian: apt-get install -y chromium"


def chromium(binary: str, profile: Path, *args: str) -> tuple[str, str]:
    """Run headless Chromium with no network features; (stdout, stderr)."""
    argv = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    done = run_bounded(argv, timeout_s=TIMEOUT_S)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr


def console_messages(stderr: str) -> list[str]:
    """The page's console output (script errors, blocked fetches) among Chromium's own logging."""
    return [line for line in stderr.splitlines() if CONSOLE.search(line)]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture
def browser() -> str:
    return require_tool("chromium", HOW)


def test_the_page_renders_without_console_messages_and_with_its_charts(
    reports: Path, tmp_path: Path, browser: str
) -> None:
    url = build_index(reports).as_uri()
    dom, stderr = chromium(browser, tmp_path / "profile", "--dump-dom", url)
    assert console_messages(stderr) == []
    assert dom.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 6
    assert dom.count('class="point"') > 40 and dom.count('class="bar"') == 6
    assert "<h1>gatewatch report</h1>" in dom and "vendor: llms-full.txt" in dom


def test_a_screenshot_is_written_under_the_reports_folder(
    reports: Path, tmp_path: Path, browser: str
) -> None:
    url = build_index(reports).as_uri()
    shot = reports / "screenshot.png"
    _, stderr = chromium(
        browser, tmp_path / "profile", f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}", url
    )
    assert console_messages(stderr) == []
    assert png_size(shot) == WINDOW
    assert shot.stat().st_size > 50_000, "a page of text and charts, not a blank one"


def test_the_console_check_catches_a_page_that_breaks_the_rules(tmp_path: Path, browser: str) -> None:
    """The check above can fail: a fetch the page's policy blocks shows up as a console message."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head>"
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'"></head><body><img src="https://cdn.example.invalid/x.png"><p>bad</p></body></html>'
    )
    _, stderr = chromium(browser, tmp_path / "profile", "--dump-dom", bad.as_uri())
    assert any("violates the following Content Security Policy" in line for line in console_messages(stderr))
