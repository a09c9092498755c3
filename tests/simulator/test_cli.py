"""`gatewatch simulate` as a process: READY line, serves, stops cleanly on signals."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from gatewatch.simulator.defects import registered

READY_TIMEOUT_S = 20.0


def command() -> list[str]:
    exe = shutil.which("gatewatch") or str(Path(sys.executable).with_name("gatewatch"))
    if Path(exe).exists():
        return [exe]
    return [sys.executable, "-c", "from gatewatch.cli import main; main()"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command(), *args], capture_output=True, text=True, timeout=60, env=env, check=False
    )


def read_line(process: subprocess.Popen[str], timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stream = process.stdout
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"no line within {timeout} s") from None


@contextmanager
def simulate(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [*command(), "simulate", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = read_line(process, READY_TIMEOUT_S)
        assert line.startswith("READY http://127.0.0.1:"), line
        yield process, line.split()[1]
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_ready_serve_and_stop_on_signal(sig: signal.Signals) -> None:
    with simulate() as (process, base_url):
        answer = requests.get(
            base_url + "/partner-gateway/v1/messages/status/GW-x",
            params={"channel": "SMS"},
            headers={"Authorization": "Bearer key-a"},
            timeout=5,
        )
        assert answer.status_code == 404
        process.send_signal(sig)
        assert process.wait(timeout=15) == 0
        assert process.stdout is not None
        assert process.stdout.read() == ""  # exactly one line on stdout


def test_flags_reach_the_simulator() -> None:
    env = {**os.environ, "EXTRA_KEYS": "key-z=Z"}
    args = (
        "--defect",
        "status_lowercase",
        "--control",
        "--api-key-env",
        "EXTRA_KEYS",
        "--error-rate",
        "0",
        "--step-s",
        "0.05",
        "--max-messages",
        "10",
    )
    with simulate(*args, env=env) as (process, base_url):
        root = base_url.rsplit("/api", 1)[0]
        active = requests.get(root + "/_control/defects", timeout=5).json()["active"]
        assert active == ["status_lowercase"]
        headers = {"Authorization": "Bearer key-z"}
        sent = requests.post(
            base_url + "/partner-gateway/v1/sms/messages",
            headers=headers,
            json={"to": "+391234567890", "text": "hi"},
            timeout=5,
        )
        assert sent.status_code == 201
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


def test_list_defects_prints_the_catalogue() -> None:
    result = run("simulate", "--list-defects")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(registered())
    for line, spec in zip(lines, registered().values(), strict=True):
        assert line.split()[:2] == [spec.name, spec.rule]
        assert spec.description in line


def test_unknown_defect_is_a_usage_error() -> None:
    result = run("simulate", "--defect", "no_such_defect")
    assert result.returncode == 2
    assert "no_such_defect" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unset_key_variable_is_a_usage_error() -> None:
    env = {k: v for k, v in os.environ.items() if k != "GATEWATCH_NO_SUCH_VAR"}
    result = run("simulate", "--api-key-env", "GATEWATCH_NO_SUCH_VAR", env=env)
    assert result.returncode == 2
    assert "GATEWATCH_NO_SUCH_VAR" in result.stderr
    assert "Traceback" not in result.stderr
