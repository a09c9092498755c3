"""Metrics: Prometheus naming, no ids as labels, textfile, /metrics in the loop, seeding."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from gatewatch.checks.webhook_deliveries import WebhookState
from gatewatch.core.config import resolve_target
from gatewatch.probe.engine import not_sent
from gatewatch.probe.loop import CycleReport, LoopOptions
from gatewatch.probe.metrics import ProbeMetrics
from gatewatch.probe.outcomes import Outcome
from gatewatch.probe.service import ServiceConfig, run_service
from gatewatch.probe.webhooks import WebhookReport

from .conftest import FakeClock, plan, read_history

ALLOWED_LABELS = {"channel", "outcome", "status", "rule", "exporter", "le"}


def families(text: str):
    return {f.name: f for f in text_string_to_metric_families(text)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_names_units_and_labels_follow_prometheus_conventions(sim, sim_target, probe_cli, tmp_path):
    prom = tmp_path / "probe.prom"
    history = tmp_path / "h.jsonl"
    assert probe_cli(*sim_target, "--textfile", str(prom), "--history", str(history)).code == 0
    found = families(prom.read_text())
    ids = {r["message_id"] for r in read_history(history)} | {r["run_id"] for r in read_history(history)}
    for name, family in found.items():
        assert name.startswith("gatewatch_probe_")
        if name.endswith("_created"):
            continue  # prometheus_client's creation times of counters and histograms
        for sample in family.samples:
            assert set(sample.labels) <= ALLOWED_LABELS, sample
            assert not set(sample.labels.values()) & ids, sample
            if family.type == "counter" and not sample.name.endswith("_created"):
                assert sample.name.endswith("_total")
        if "time" in name or "duration" in name:
            assert name.endswith("_seconds"), name
    for required in (
        "gatewatch_probe_success",
        "gatewatch_probe_last_success_timestamp_seconds",
        "gatewatch_probe_last_run_timestamp_seconds",
        "gatewatch_probe_runs",
        "gatewatch_probe_lookups",
        "gatewatch_probe_time_to_status_seconds",
    ):
        assert required in found, required
    assert found["gatewatch_probe_time_to_status_seconds"].type == "histogram"
    statuses = {s.labels["status"] for s in found["gatewatch_probe_time_to_status_seconds"].samples}
    assert statuses == {"SENT", "RECEIVED", "DELIVERED"}
    runs = {
        (s.labels["channel"], s.labels["outcome"]): s.value
        for s in found["gatewatch_probe_runs"].samples
        if s.name.endswith("_total")
    }
    assert (
        runs[("SMS", "delivered")] == 1 and runs[("SMS", "stuck")] == 0
    )  # every outcome exists from the start
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("probe.prom")] == [
        "probe.prom"
    ]  # no temp file left


def test_failures_and_last_success_carry_over_through_the_history(sim, sim_target, probe_cli, tmp_path):
    prom, history = tmp_path / "probe.prom", tmp_path / "h.jsonl"
    common = [*sim_target, "--channel", "SMS", "--textfile", str(prom), "--history", str(history)]
    assert probe_cli(*common).code == 0
    delivered_at = (
        families(prom.read_text())["gatewatch_probe_last_success_timestamp_seconds"].samples[0].value
    )
    for _ in range(2):
        assert probe_cli(*common, "--to", "+393400000003").code == 1
    found = families(prom.read_text())
    assert found["gatewatch_probe_consecutive_failures"].samples[0].value == 2
    assert found["gatewatch_probe_success"].samples[0].value == 0
    assert found["gatewatch_probe_last_success_timestamp_seconds"].samples[0].value == pytest.approx(
        delivered_at, abs=0.002
    )  # ms in the history
    last = {s.labels["outcome"]: s.value for s in found["gatewatch_probe_last_outcome"].samples}
    assert last["expired"] == 1 and last["delivered"] == 0


def test_the_loop_serves_metrics(sim, tmp_path, monkeypatch):
    monkeypatch.setenv("GATEWATCH_API_KEY", "key-a")
    port = free_port()
    scraped: list[str] = []

    def scrape(report: CycleReport) -> None:
        scraped.append(requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text)

    config = ServiceConfig(
        target=resolve_target(base_url=sim.base_url),
        contract=sim.contract,
        channels=("SMS",),
        initial_delays={"SMS": 0.02},
        loop=LoopOptions(every_s=0.01, max_runs=2),
        metrics_listen=("127.0.0.1", port),
    )
    lines: list[str] = []
    assert run_service(config, out=lines.append, on_cycle=scrape) == 0
    assert len(scraped) == 2 and len(lines) == 2
    runs = families(scraped[-1])["gatewatch_probe_runs"]
    delivered = [s for s in runs.samples if s.name.endswith("_total") and s.labels["outcome"] == "delivered"]
    assert delivered[0].value == 2
    # Stopped with the loop.
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_a_failed_push_is_logged_not_fatal(sim, sim_target, probe_cli, tmp_path):
    prom = tmp_path / "probe.prom"
    port = free_port()
    pushgateway = f"http://user:hunter2@127.0.0.1:{port}"
    loop = ["--every", "10ms", "--max-runs", "2"]
    result = probe_cli(
        *sim_target, "--channel", "SMS", "--pushgateway", pushgateway, "--textfile", str(prom), *loop
    )
    assert result.code == 0
    assert result.err.count("could not push") == 2 and "hunter2" not in result.err
    errors = families(prom.read_text())["gatewatch_probe_export_errors"]
    # The textfile is written before the push: the second cycle's shows the first failure.
    counts = {s.labels["exporter"]: s.value for s in errors.samples if s.name.endswith("_total")}
    assert counts == {"pushgateway": 1, "textfile": 0}


def test_an_unwritable_textfile_is_logged_not_fatal(sim, sim_target, probe_cli, tmp_path: Path):
    result = probe_cli(
        *sim_target, "--channel", "SMS", "--textfile", str(tmp_path / "missing-dir" / "p.prom")
    )
    assert result.code == 0 and "could not write" in result.err


@pytest.mark.parametrize(("minus", "ahead", "behind"), [(-0.3, 1, 0), (0.2, 0, 1), (None, 0, 0)])
def test_webhook_minus_poll_goes_to_one_histogram_by_its_sign(minus, ahead, behind, contract):
    # Two histograms of magnitudes: a signed one's _sum could drop, which rate() reads as a reset.
    hooks = WebhookReport(state=WebhookState.ARRIVED, deliveries=2, duplicates=1, minus_poll_s=minus)
    result = replace(
        not_sent(plan(), target="t", outcome=Outcome.DELIVERED, reason="", clock=FakeClock()), webhooks=hooks
    )
    metrics = ProbeMetrics(contract, ["SMS"])
    metrics.observe_run(result)

    def value(name: str) -> float | None:
        return metrics.registry.get_sample_value(name, {"channel": "SMS"})

    assert value("gatewatch_probe_webhook_ahead_of_poll_seconds_count") == ahead
    assert value("gatewatch_probe_webhook_behind_poll_seconds_count") == behind
    assert value("gatewatch_probe_webhook_ahead_of_poll_seconds_sum") == (abs(minus) if ahead else 0)
    assert value("gatewatch_probe_webhooks_received_total") == 2
    assert value("gatewatch_probe_webhooks_duplicated_total") == 1
    assert value("gatewatch_probe_last_run_webhook_duplicates") == 1
    assert value("gatewatch_probe_last_webhook_minus_poll_seconds") == minus
