"""The probe follows each message both ways, proven on the simulator's webhook faults and defects.

Each test runs `gatewatch probe --webhook-listen 127.0.0.1:0` in process against an
in-process simulator that accepts plain-http loopback callbacks, with a fault set through
POST /_control/webhook-faults (or a defect through /_control/defects), and reads what the
probe concluded from its exit code, its line, its history and its metrics textfile.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from gatewatch.contract import default_contract
from gatewatch.core.records.probe_history import RunLine, read_lines
from gatewatch.simulator import Simulator

from .conftest import CliResult, read_history

CONTRACT = default_contract()
REGISTRATION = CONTRACT.webhooks.registration
LISTEN = ["--webhook-listen", "127.0.0.1:0"]


@pytest.fixture
def target(sim_target: list[str], tmp_path: Path) -> list[str]:
    return [
        *sim_target,
        "--history",
        str(tmp_path / "history.jsonl"),
        "--textfile",
        str(tmp_path / "probe.prom"),
        *LISTEN,
    ]


def control(sim: Simulator, what: str, body: dict[str, Any]) -> None:
    answer = requests.post(f"{sim.url}/_control/{what}", json=body, timeout=5)
    assert answer.status_code == 200, answer.text


def registration(sim: Simulator) -> dict[str, Any] | None:
    answer = requests.get(
        sim.base_url + REGISTRATION.path,
        headers={CONTRACT.auth.header: CONTRACT.auth.value("key-a")},
        timeout=5,
    )
    if answer.status_code == CONTRACT.codes.not_found:
        return None
    assert answer.status_code == CONTRACT.codes.ok, answer.text
    body: dict[str, Any] = answer.json()
    return body


def runs(tmp_path: Path) -> list[dict[str, Any]]:
    return [line for line in read_history(tmp_path / "history.jsonl") if line["type"] == "run"]


def metric(tmp_path: Path, name: str, **labels: str) -> float:
    text = (tmp_path / "probe.prom").read_text()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    raise AssertionError(f"no sample {name} {labels}")


def test_a_healthy_gateway_passes_with_both_timelines(
    sim: Simulator, target: list[str], probe_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    result = probe_cli(*target, "--channel", "SMS")
    assert result.code == 0, result.out + result.err
    assert "outcome=delivered" in result.out and "webhook=" in result.out
    (run,) = runs(tmp_path)
    hooks_line = run["webhooks"]
    assert hooks_line["state"] == "arrived"
    assert [s["status"] for s in hooks_line["statuses"]] == [run["final_status"]]
    assert hooks_line["minus_poll_s"] is not None
    assert metric(tmp_path, "gatewatch_probe_webhooks_received_total", channel="SMS") == 1
    assert metric(tmp_path, "gatewatch_probe_webhooks_lost_total", channel="SMS") == 0
    # What the probe registered it took away at exit: the account had none.
    assert registration(sim) is None
    # The report reads the line back as a record.
    read = read_lines((tmp_path / "history.jsonl").read_bytes().splitlines())
    (record,) = [line for line in read.lines if isinstance(line, RunLine)]
    assert record.webhooks is not None and record.webhooks.state == "arrived"


def test_a_lost_webhook_fails_the_run(
    sim: Simulator, target: list[str], probe_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    control(sim, "webhook-faults", {"loss": 1})
    result = probe_cli(*target, "--channel", "SMS")
    assert result.code == 1, result.out + result.err
    assert "outcome=webhook_lost" in result.out and "webhook=lost" in result.out
    (run,) = runs(tmp_path)
    assert run["final_status"] is not None  # the poll saw it final: the webhook is what failed
    assert run["webhooks"]["state"] == "lost"
    assert [v["rule"] for v in run["webhooks"]["violations"]] == ["webhook_lost"]
    assert metric(tmp_path, "gatewatch_probe_webhooks_lost_total", channel="SMS") == 1
    assert metric(tmp_path, "gatewatch_probe_last_outcome", channel="SMS", outcome="webhook_lost") == 1


def test_duplicates_are_counted_and_pass(
    sim: Simulator, target: list[str], probe_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    control(sim, "webhook-faults", {"duplicates": 1})
    result = probe_cli(*target, "--channel", "SMS")
    assert result.code == 0, result.out + result.err
    (run,) = runs(tmp_path)
    hooks_line = run["webhooks"]
    # The outbox sends the copy right after the first POST is answered, and the webhook is
    # due when the message turns final, before the poll's confirming lookups end.
    assert hooks_line["duplicates"] == hooks_line["deliveries"] - 1 >= 1
    assert "webhook_duplicates=" in result.out
    assert metric(tmp_path, "gatewatch_probe_webhooks_duplicated_total", channel="SMS") >= 1


def test_reordered_webhooks_still_reach_their_messages(
    sim: Simulator, target: list[str], probe_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    # Every second payload is held back until the next one is sent: with the three channels'
    # messages, the second channel's to be final comes after the third's.
    control(sim, "webhook-faults", {"reorder": 0.5})
    result = probe_cli(*target, "--channel", "all")
    assert result.code == 0, result.out + result.err
    lines = runs(tmp_path)
    assert sorted(r["channel"] for r in lines) == sorted(CONTRACT.channels)
    assert {r["webhooks"]["state"] for r in lines} == {"arrived"}


def test_a_delay_within_the_deadline_passes_behind_the_poll(
    sim: Simulator, target: list[str], probe_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    # Final after 2 steps (0.1 s); the lookups see it within a backoff interval, the webhook 0.5 s later.
    control(sim, "webhook-faults", {"delay_s": 0.5})
    result = probe_cli(*target, "--channel", "SMS", "--deadline", "3s")
    assert result.code == 0, result.out + result.err
    (run,) = runs(tmp_path)
    assert run["webhooks"]["state"] == "arrived"
    assert run["webhooks"]["minus_poll_s"] > 0
    assert "webhook=+" in result.out
    assert metric(tmp_path, "gatewatch_probe_webhook_behind_poll_seconds_count", channel="SMS") == 1
    assert metric(tmp_path, "gatewatch_probe_webhook_ahead_of_poll_seconds_count", channel="SMS") == 0
    assert metric(tmp_path, "gatewatch_probe_last_webhook_minus_poll_seconds", channel="SMS") > 0


def test_a_webhook_naming_another_final_status_contradicts(
    sim: Simulator, target: list[str], probe_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    control(sim, "defects", {"defects": ["webhook_final_differs"]})
    result = probe_cli(*target, "--channel", "SMS")
    assert result.code == 1, result.out + result.err
    assert "outcome=webhook_contradicts" in result.out and "webhook_agrees_with_lookup" in result.out
    (run,) = runs(tmp_path)
    assert run["webhooks"]["contradicting"] == 1
    assert metric(tmp_path, "gatewatch_probe_webhooks_contradicting_total", channel="SMS") == 1


def test_no_webhook_at_all_is_lost(
    sim: Simulator, target: list[str], probe_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    control(sim, "defects", {"defects": ["webhook_lost_all"]})
    result = probe_cli(*target, "--channel", "SMS")
    assert result.code == 1, result.out + result.err
    assert "outcome=webhook_lost" in result.out
