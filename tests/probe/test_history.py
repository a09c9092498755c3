"""The JSON-lines history: records as they happen, pending messages, late finals."""

from __future__ import annotations

import errno
import json
import time

from gatewatch.probe.engine import SentMessage
from gatewatch.probe.history import History
from gatewatch.simulator import Simulator, SimulatorConfig
from tests.simulator.client import wait_until

from .conftest import read_history, write_targets

SUFFIX_DELIVERED = "+393400000001"


def test_each_run_writes_sent_then_run(sim, sim_target, probe_cli, tmp_path):
    history = tmp_path / "h.jsonl"
    assert probe_cli(*sim_target, "--channel", "SMS", "--history", str(history)).code == 0
    assert probe_cli(*sim_target, "--channel", "SMS", "--history", str(history)).code == 0
    records = read_history(history)
    assert [r["type"] for r in records] == ["sent", "run", "sent", "run"]
    run = records[1]
    assert run["run_id"] == records[0]["run_id"] and run["message_id"] == records[0]["message_id"]
    assert run["v"] == 1 and run["outcome"] == "delivered" and run["exit_code"] == 0
    assert run["to"] == "***0001"  # never the whole number
    assert [s["status"] for s in run["statuses"]] == ["SENT", "RECEIVED", "DELIVERED"]
    for status in run["statuses"]:
        assert {"at_s", "bound_s", "server_placed"} <= status.keys()
    assert run["lookups"] >= 1 and run["server_errors"] == 0 and run["violations"] == []


def test_a_stuck_message_is_counted_when_a_later_run_sees_it_final(sim, sim_target, probe_cli, tmp_path):
    history = tmp_path / "h.jsonl"
    # The deadline passes before the simulator's second step: stuck, pending.
    first = probe_cli(*sim_target, "--channel", "SMS", "--deadline", "60ms", "--history", str(history))
    assert "outcome=stuck " in first.out and first.code == 1
    stuck = read_history(history)[-1]
    assert stuck["pending"] is True
    # The next cycles look it up again until it is final (the loop's first cycle may be
    # too early for the simulator's last step; the second, after a whole run, is not).
    second = probe_cli(
        *sim_target, "--channel", "SMS", "--every", "10ms", "--max-runs", "2", "--history", str(history)
    )
    assert second.out.count("probe-late outcome=delivered") == 1, second.out
    records = read_history(history)
    late = [r for r in records if r["type"] == "late"]
    assert len(late) == 1 and late[0]["run_id"] == stuck["run_id"] and late[0]["outcome"] == "delivered"
    assert late[0]["timing"]["status"] == "DELIVERED"
    # Settled: a third run does not look it up again.
    third = probe_cli(*sim_target, "--channel", "SMS", "--history", str(history))
    assert "probe-late" not in third.out


def test_late_failures_are_counted_too(probe_cli, tmp_path, monkeypatch):
    # A lifecycle of 1 s a step keeps the first run's message in flight past its 30 ms
    # deadline however loaded the machine is; the second run starts once the simulator
    # itself says the message is final, so nothing here races the clock.
    history = tmp_path / "h.jsonl"
    to = "+393400000002"
    with Simulator(SimulatorConfig(step_s=1.0)) as slow:
        monkeypatch.setenv("GATEWATCH_API_KEY", "key-a")
        flags = ["--config", str(write_targets(tmp_path / "slow.toml", slow.base_url)), "--target", "sim"]
        probe_cli(*flags, "--channel", "SMS", "--to", to, "--deadline", "30ms", "--history", str(history))
        sent = next(r for r in read_history(history) if r["type"] == "sent")
        message = slow.message(sent["message_id"])
        assert message is not None
        wait_until(lambda: slow.contract.is_final(message.step_at(time.time()).status), timeout=10)
        second = probe_cli(
            *flags, "--channel", "SMS", "--every", "10ms", "--max-runs", "2", "--history", str(history)
        )
    assert "probe-late outcome=error" in second.out
    assert "Carrier rejected the message" in second.out


def test_a_message_unknown_to_the_gateway_is_abandoned(sim, sim_target, probe_cli, tmp_path):
    history = tmp_path / "h.jsonl"
    probe_cli(*sim_target, "--channel", "SMS", "--deadline", "30ms", "--history", str(history))
    sim.reset()  # the simulator forgets it
    probe_cli(*sim_target, "--channel", "SMS", "--history", str(history))
    abandoned = [r for r in read_history(history) if r["type"] == "abandoned"]
    assert len(abandoned) == 1 and "404" in abandoned[0]["reason"]


def test_pending_messages_come_back_from_the_file_and_age_out(tmp_path):
    path = tmp_path / "h.jsonl"
    history = History(path, target="t", max_pending=10, max_age_s=100.0)
    history.record_sent(SentMessage("r1", "t", "SMS", "GW-1", 1000.0))
    history.record_sent(SentMessage("r2", "other-target", "SMS", "GW-2", 1000.0))
    reread = History(path, target="t", max_pending=10, max_age_s=100.0)
    assert [p.message_id for p in reread.pending()] == ["GW-1"]
    assert reread.expired(1050.0) == []
    assert [p.message_id for p in reread.expired(1101.0)] == ["GW-1"]


def test_pending_messages_are_bounded(tmp_path):
    history = History(tmp_path / "h.jsonl", target="t", max_pending=3, max_age_s=100.0)
    for i in range(10):
        history.record_sent(SentMessage(f"r{i}", "t", "SMS", f"GW-{i}", 1000.0 + i))
    assert [p.run_id for p in history.pending()] == ["r7", "r8", "r9"]


def test_a_line_cut_by_a_crash_does_not_spoil_the_next_record(tmp_path):
    path = tmp_path / "h.jsonl"
    path.write_text(
        '{"type":"sent","v":1,"run_id":"r1","target":"t","channel":"SMS","message_id":"GW-1","sent_at":"2026-01-01T00:00:00Z"}\n{"type":"run","v":1,"run_id":"r1","tar'
    )
    history = History(path, target="t", max_pending=10, max_age_s=1e9)
    assert [p.message_id for p in history.pending()] == ["GW-1"]
    history.record_sent(SentMessage("r2", "t", "SMS", "GW-2", 1000.0))
    lines = path.read_text().splitlines()
    assert json.loads(lines[-1])["run_id"] == "r2"
    assert len(lines) == 3


def test_without_a_file_pending_messages_live_in_memory(tmp_path):
    history = History(None, target="t", max_pending=5, max_age_s=100.0)
    history.record_sent(SentMessage("r1", "t", "SMS", "GW-1", 1000.0))
    assert len(history.pending()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_pending_run_whose_sent_line_is_gone_is_still_pending(tmp_path):
    path = tmp_path / "h.jsonl"
    record = {
        "type": "run",
        "v": 1,
        "run_id": "r9",
        "target": "t",
        "channel": "SMS",
        "message_id": "GW-9",
        "sent_at": "2026-01-01T00:00:00.000Z",
        "ended_at": "2026-01-01T00:01:00.000Z",
        "outcome": "stuck",
        "pending": True,
        "last_status": "SENT",
    }
    path.write_text(json.dumps(record) + "\n")
    (pending,) = History(path, target="t", max_pending=5, max_age_s=1e9).pending()
    assert (pending.message_id, pending.last_status) == ("GW-9", "SENT")
    assert pending.last_seen_at > pending.sent_at


def test_a_full_disk_does_not_stop_the_probe(sim, sim_target, probe_cli, tmp_path, monkeypatch):
    from gatewatch.probe import history as history_module

    def full(path, line):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(history_module, "_append_line", full)
    prom = tmp_path / "p.prom"
    result = probe_cli(
        *sim_target, "--channel", "SMS", "--history", str(tmp_path / "h.jsonl"), "--textfile", str(prom)
    )
    assert result.code == 0 and "outcome=delivered " in result.out
    assert result.err.count("could not append") == 2  # the sent line and the run line
    assert prom.exists()


def test_a_history_path_that_is_a_directory_is_a_usage_error(sim_target, probe_cli, tmp_path):
    result = probe_cli(*sim_target, "--channel", "SMS", "--history", str(tmp_path))
    assert result.code == 2 and "Traceback" not in result.err
