"""`gatewatch simulate --latency/--jitter`: durations in the one syntax every flag uses."""

from __future__ import annotations

import signal

import pytest
import requests

from .test_cli import run, simulate


def test_latency_and_jitter_are_durations() -> None:
    with simulate("--latency", "100ms", "--jitter", "0.02", "--control") as (process, base_url):
        root = base_url.rsplit("/api", 1)[0]
        faults = requests.get(root + "/_control/faults", timeout=5).json()
        assert (faults["latency_ms"], faults["jitter_ms"]) == (100.0, 20.0)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


@pytest.mark.parametrize(
    ("flag", "value"), [("--latency", "fast"), ("--jitter", "-5ms"), ("--latency", "5x")]
)
def test_a_bad_duration_is_a_one_line_usage_error(flag: str, value: str) -> None:
    result = run("simulate", flag, value)
    assert result.returncode == 2
    assert flag in result.stderr and "500ms" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr + result.stdout


def test_the_old_millisecond_flag_is_gone() -> None:
    # One definition of a latency: a duration, like every other time in gatewatch's flags.
    result = run("simulate", "--latency-ms", "100")
    assert result.returncode == 2
    assert "--latency-ms" in result.stderr
