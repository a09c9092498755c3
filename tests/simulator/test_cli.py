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

from gatewatch.contract import Contract, resolve_contract
from gatewatch.simulator import catalogue

from .conftest import DIALECTS

READY_TIMEOUT_S = 20.0
VENDOR = resolve_contract("vendor")


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


def lookup(contract: Contract, base_url: str, key: str = "key-a") -> requests.Response:
    path = contract.lookup_path.replace("{" + contract.id_param + "}", "GW-x")
    return requests.get(
        base_url + path,
        params={contract.channel_param: contract.channels[0]},
        headers={contract.auth.header: contract.auth.value(key)},
        timeout=5,
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_ready_serve_and_stop_on_signal(sig: signal.Signals) -> None:
    with simulate() as (process, base_url):
        answer = lookup(VENDOR, base_url)
        assert answer.status_code == 404
        assert answer.json()[VENDOR.error.status_field or ""] == 404
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
        "--keys-env",
        "EXTRA_KEYS",
        "--error-rate",
        "0",
        "--step-s",
        "0.05",
        "--max-messages",
        "10",
    )
    with simulate(*args, "--rate-limit", "trial", env=env) as (process, base_url):
        root = base_url.rsplit("/api", 1)[0]
        active = requests.get(root + "/_control/defects", timeout=5).json()["active"]
        assert active == ["status_lowercase"]
        assert requests.get(root + "/_control/rate-limit", timeout=5).json()["limit"] == "100/min,10/s"
        send = VENDOR.send
        sent = requests.post(
            base_url + VENDOR.send_paths[VENDOR.channels[0]],
            headers={VENDOR.auth.header: VENDOR.auth.value("key-z")},
            json={send.destination: "+391234567890", send.text: "hi"},
            timeout=5,
        )
        assert sent.status_code == 201
        assert sent.headers[VENDOR.rate_limits.limit_header] == "100"
        assert sent.headers[VENDOR.rate_limits.remaining_header] == "99"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


@pytest.mark.parametrize("how", ["flag", "env", "path"])
def test_the_strict_dialect_is_served_when_asked(how: str) -> None:
    strict = resolve_contract("strict")
    args: tuple[str, ...] = ()
    env = {k: v for k, v in os.environ.items() if k != "GATEWATCH_CONTRACTS"}
    if how == "flag":
        args = ("--contracts", "strict")
    elif how == "path":
        args = ("--contracts", str(strict.root))
    else:
        env["GATEWATCH_CONTRACTS"] = str(strict.root)
    with simulate(*args, env=env) as (process, base_url):
        answer = lookup(strict, base_url)
        assert answer.status_code == 404
        assert answer.json()["code"] == "MESSAGE_NOT_FOUND"
        assert lookup(VENDOR, base_url).status_code == 401  # X-Api-Key means nothing here
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


@pytest.mark.parametrize("dialect", DIALECTS)
def test_list_defects_prints_the_dialects_catalogue(dialect: str) -> None:
    result = run("simulate", "--list-defects", "--contracts", dialect)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    specs = catalogue(resolve_contract(dialect))
    assert len(lines) == len(specs)
    for line, spec in zip(lines, specs, strict=True):
        assert line.split()[:2] == [spec.name, spec.rule]
        assert spec.description in line


def test_a_rate_limit_for_the_strict_dialect_is_a_one_line_usage_error() -> None:
    result = run("simulate", "--contracts", "strict", "--rate-limit", "5/s")
    assert result.returncode == 2
    assert "strict dialect has no rate limits" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("value", ["lots", "5/h", "0/s", "gold"])
def test_a_bad_rate_limit_is_a_usage_error(value: str) -> None:
    result = run("simulate", "--rate-limit", value)
    assert result.returncode == 2
    assert "--rate-limit" in result.stderr and "production" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_dialect_is_a_usage_error() -> None:
    result = run("simulate", "--contracts", "klingon")
    assert result.returncode == 2
    assert "klingon" in result.stderr and "Traceback" not in result.stderr


def test_unknown_defect_is_a_usage_error() -> None:
    result = run("simulate", "--defect", "no_such_defect")
    assert result.returncode == 2
    assert "no_such_defect" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unset_key_variable_is_a_usage_error() -> None:
    env = {k: v for k, v in os.environ.items() if k != "GATEWATCH_NO_SUCH_VAR"}
    result = run("simulate", "--keys-env", "GATEWATCH_NO_SUCH_VAR", env=env)
    assert result.returncode == 2
    assert "GATEWATCH_NO_SUCH_VAR" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_value_out_of_a_flags_range_is_one_line() -> None:
    result = run("simulate", "--error-rate", "5")
    assert result.returncode == 2
    assert result.stderr == "gatewatch: Invalid value for '--error-rate': 5.0 is not in the range 0<=x<=1.\n"
