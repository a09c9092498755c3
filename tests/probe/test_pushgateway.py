"""The Pushgateway path against a real Pushgateway (Debian's prometheus-pushgateway) on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from .conftest import require_binary

READY_TIMEOUT_S = 20.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def pushgateway(tmp_path) -> Iterator[str]:
    binary = require_binary("prometheus-pushgateway")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with (tmp_path / "pushgateway.log").open("w") as log:
        proc = subprocess.Popen(
            [
                binary,
                f"--web.listen-address=127.0.0.1:{port}",
                f"--persistence.file={tmp_path / 'pushgateway.db'}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + READY_TIMEOUT_S
            while True:  # bounded by READY_TIMEOUT_S
                if proc.poll() is not None:
                    pytest.fail(
                        f"the pushgateway exited: {(tmp_path / 'pushgateway.log').read_text()[-1000:]}"
                    )
                try:
                    if requests.get(f"{url}/-/ready", timeout=1).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"the pushgateway was not ready within {READY_TIMEOUT_S} s")
                with contextlib.suppress(subprocess.TimeoutExpired):  # paces the poll; notices an exit
                    proc.wait(timeout=0.05)
            yield url
        finally:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def test_push_and_read_back(sim, sim_target, probe_cli, pushgateway):
    result = probe_cli(*sim_target, "--channel", "SMS", "--pushgateway", pushgateway)
    assert result.code == 0, result.err
    assert "could not push" not in result.err
    text = requests.get(f"{pushgateway}/metrics", timeout=5).text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    key = (
        "gatewatch_probe_success",
        (("channel", "SMS"), ("instance", ""), ("job", "gatewatch_probe"), ("target", "sim")),
    )
    assert samples[key] == 1
    delivered = [
        v
        for (name, labels), v in samples.items()
        if name == "gatewatch_probe_runs_total" and ("outcome", "delivered") in labels
    ]
    assert delivered == [1]
    assert any(name == "gatewatch_probe_time_to_status_seconds_bucket" for name, _ in samples)
    # The Pushgateway's own record of the push succeeding.
    assert any(
        name == "push_time_seconds" and ("job", "gatewatch_probe") in labels for name, labels in samples
    )
