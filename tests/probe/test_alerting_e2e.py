"""End to end with real parts: the probe's loop, Prometheus with the shipped rules, Alertmanager, a receiver.

Prometheus (Debian's `prometheus`) scrapes the probe's /metrics every second and evaluates
synthetic/alerts.yml and the SLO rules `gatewatch probe-rules` writes from a test SLO file
whose windows are seconds, not hours. Alertmanager (Debian's `prometheus-alertmanager`)
routes what fires to a webhook receiver (`gatewatch.core.webhooks.Receiver`). With every
probe message ending in ERROR the page arrives; on a healthy run nothing fires while the
rules read a full window of good runs. Everything listens on 127.0.0.1; every process is
stopped by its pid.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from gatewatch.contract import default_contract
from gatewatch.core.processes import stop_group
from gatewatch.core.webhooks import Receiver
from gatewatch.core.webhooks.receiver import Delivery
from gatewatch.probe.alert_rules import BURN_ALERTS, RUN_GOOD, generate
from gatewatch.probe.slo import DELIVERED, PAGE, parse_slo

from .conftest import FAST_FLAGS, require_binary, write_targets

SYNTHETIC = Path(__file__).resolve().parents[2] / "synthetic"
READY_TIMEOUT_S = 30.0
ALERT_TIMEOUT_S = 60.0
STOP_WAIT_S = 10.0
#: The page's long window (seconds): a healthy run is judged once Prometheus read that much.
PAGE_LONG_S = 10
# The shipped SLO file's shape with seconds for hours: the probe runs every second.
TEST_SLO = {
    "schedule": "5s",
    "objectives": {"default": {DELIVERED: 0.99, "on_time": 0.95}},
    "flapping": {"failures": 2, "runs": 3},
    "burn_rates": {
        PAGE: {"for": "0s", "windows": [{"factor": 14.4, "long": f"{PAGE_LONG_S}s", "short": "3s"}]},
        "ticket": {"for": "0s", "windows": [{"factor": 1, "long": "30s", "short": f"{PAGE_LONG_S}s"}]},
    },
}
ERROR_RECIPIENT = "+393400000002"  # the simulator's test recipient that ends in ERROR


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _poll(check: Callable[[], Any], what: str, timeout_s: float, proc: subprocess.Popen[str]) -> Any:
    """`check()`'s first truthy value within `timeout_s`; fails when the process exits first."""
    deadline = time.monotonic() + timeout_s
    while True:  # bounded by timeout_s
        if proc.poll() is not None:
            pytest.fail(f"{what}: {proc.args[0]} exited with {proc.returncode}")
        with contextlib.suppress(requests.RequestException):
            found = check()
            if found:
                return found
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout_s} s")
        with contextlib.suppress(subprocess.TimeoutExpired):  # paces the poll; notices an exit
            proc.wait(timeout=0.2)


class Stack:
    """The running processes, and their logs for a failure's message."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen[str]] = []
        self.prometheus = ""

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        log = (self.tmp_path / f"{name}.log").open("w")
        proc = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True
        )
        log.close()  # the child holds its own descriptor
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.procs):
            stop_group(proc, wait_s=STOP_WAIT_S)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-1500:]}" for p in self.tmp_path.glob("*.log"))

    def query(self, expr: str) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.prometheus}/api/v1/query", params={"query": expr}, timeout=5)
        answer.raise_for_status()
        result: list[dict[str, Any]] = answer.json()["data"]["result"]
        return result


def _ready(url: str) -> bool:
    return requests.get(f"{url}/-/ready", timeout=2).status_code == 200


def _start_alerting(stack: Stack, receiver: Receiver, probe_port: int) -> tuple[str, subprocess.Popen[str]]:
    """Alertmanager routing to `receiver`, and Prometheus scraping the probe with the rules."""
    tmp = stack.tmp_path
    am_port, prom_port = _free_port(), _free_port()
    (tmp / "alertmanager.yml").write_text(
        json.dumps(
            {
                "route": {
                    "receiver": "hook",
                    "group_by": ["alertname", "channel"],
                    "group_wait": "1s",
                    "group_interval": "1s",
                    "repeat_interval": "1h",
                },
                "receivers": [{"name": "hook", "webhook_configs": [{"url": f"{receiver.url}/alerts"}]}],
            }
        )
    )
    am = stack.start(
        "alertmanager",
        [
            require_binary("prometheus-alertmanager"),
            f"--config.file={tmp / 'alertmanager.yml'}",
            f"--storage.path={tmp / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{am_port}",
            "--cluster.listen-address=",  # no gossip port on every interface
        ],
    )
    _poll(lambda: _ready(f"http://127.0.0.1:{am_port}"), "alertmanager ready", READY_TIMEOUT_S, am)
    rules = tmp / "slo-rules.yml"
    rules.write_text(generate(parse_slo(TEST_SLO), default_contract(), slo_name="test"))
    scrape = {"job_name": "gatewatch_probe", "static_configs": [{"targets": [f"127.0.0.1:{probe_port}"]}]}
    (tmp / "prometheus.yml").write_text(
        json.dumps(
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(rules), str(SYNTHETIC / "alerts.yml")],
                "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{am_port}"]}]}]},
                "scrape_configs": [scrape],
            }
        )
    )
    prom = stack.start(
        "prometheus",
        [
            require_binary("prometheus"),
            f"--config.file={tmp / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp / 'prom-data'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ],
    )
    stack.prometheus = f"http://127.0.0.1:{prom_port}"
    _poll(lambda: _ready(stack.prometheus), "prometheus ready", READY_TIMEOUT_S, prom)
    return stack.prometheus, prom


@pytest.fixture
def alerting(sim, tmp_path: Path) -> Iterator[Callable[..., tuple[Stack, Receiver, subprocess.Popen[str]]]]:
    """Start the probe's loop (extra flags given), Prometheus, Alertmanager and the receiver."""
    require_binary("prometheus")
    require_binary("prometheus-alertmanager")
    stack = Stack(tmp_path)
    receiver = Receiver().start()

    def start(*flags: str) -> tuple[Stack, Receiver, subprocess.Popen[str]]:
        targets = write_targets(tmp_path / "targets.toml", sim.base_url)
        probe_port = _free_port()
        env = {**os.environ, "GATEWATCH_API_KEY": "key-a"}
        stack.start(
            "probe",
            [
                sys.executable,
                "-c",
                "from gatewatch.cli import main; main()",
                "probe",
                "--config",
                str(targets),
                "--target",
                "sim",
                "--channel",
                "SMS",
                "--every",
                "1s",
                "--metrics-listen",
                f"127.0.0.1:{probe_port}",
                "--history",
                str(tmp_path / "history.jsonl"),
                *FAST_FLAGS,
                *flags,
            ],
            env=env,
        )
        _, prom = _start_alerting(stack, receiver, probe_port)
        return stack, receiver, prom

    try:
        yield start
    finally:
        stack.stop()
        receiver.stop()


def _alerts(deliveries: tuple[Delivery, ...]) -> list[dict[str, Any]]:
    """The alerts in Alertmanager's webhook payloads received so far."""
    return [alert for d in deliveries if isinstance(d.parsed, dict) for alert in d.parsed.get("alerts", [])]


def test_a_failing_channel_pages_through_alertmanager(alerting):
    stack, receiver, _ = alerting("--to", ERROR_RECIPIENT)
    page = BURN_ALERTS[PAGE]

    def paged(deliveries: tuple[Delivery, ...]) -> bool:
        return any(a["labels"].get("alertname") == page for a in _alerts(deliveries))

    assert receiver.wait_for(paged, ALERT_TIMEOUT_S), stack.logs()
    alert = next(a for a in _alerts(receiver.deliveries()) if a["labels"]["alertname"] == page)
    assert alert["status"] == "firing"
    assert alert["labels"]["channel"] == "SMS"
    assert alert["labels"]["slo"] == DELIVERED
    assert alert["labels"]["severity"] == PAGE


def test_a_healthy_run_fires_nothing(alerting):
    stack, receiver, prom = alerting()
    # Judged once the rules have read a full page window of runs (every second an evaluation).
    recorded = f'count_over_time({RUN_GOOD[DELIVERED]}{{channel="SMS"}}[{PAGE_LONG_S + 5}s])'

    def window_full() -> bool:
        return any(float(r["value"][1]) > PAGE_LONG_S for r in stack.query(recorded))

    _poll(window_full, "a full window of recorded runs", ALERT_TIMEOUT_S, prom)
    delivered = stack.query(f'min_over_time({RUN_GOOD[DELIVERED]}{{channel="SMS"}}[{PAGE_LONG_S}s])')
    assert [r["value"][1] for r in delivered] == ["1"], stack.logs()
    # Nothing ever fired (ALERTS keeps every pending and firing alert as a series).
    assert stack.query('ALERTS{alertstate="firing"}[5m]') == [], stack.logs()
    assert _alerts(receiver.deliveries()) == []
