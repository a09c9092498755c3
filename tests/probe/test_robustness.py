"""Against the simulator: every test recipient, every fault, the lifecycle defects.

The probe must not crash, must classify each case as documented, and must record
every run (one `run` line in the history, its outcome in the stdout line).
"""

from __future__ import annotations

import socket

import pytest

from gatewatch.simulator import Faults

from .conftest import read_history

NUMBER = "+39340000{}"


def runs(history):
    return [r for r in read_history(history) if r["type"] == "run"]


CASES = [
    # id, recipient suffix, faults, defects, outcome, a rule that must be among the violations
    ("delivered", "0001", None, (), "delivered", None),
    ("error", "0002", None, (), "error", None),
    ("expired", "0003", None, (), "expired", None),
    ("unknown-stuck", "0004", None, (), "stuck", None),
    ("latency", "0001", Faults(latency_ms=20, jitter_ms=20), (), "delivered", None),
    ("500-every-other", "0001", Faults(error_rate=0.5), (), "delivered", None),
    (
        "500-burst-on-lookups",
        "0001",
        Faults(error_rate=1.0, operations=frozenset({"lookup"})),
        (),
        "contract_violation",
        "server_error_retried",
    ),
    ("500-on-send", "0001", Faults(error_rate=1.0, operations=frozenset({"send"})), (), "send_failed", None),
    ("drops-some", "0001", Faults(drop_rate=0.3, operations=frozenset({"lookup"})), (), "delivered", None),
    (
        "drops-all-lookups",
        "0001",
        Faults(drop_rate=1.0, operations=frozenset({"lookup"})),
        (),
        "unreachable",
        None,
    ),
    ("drops-send", "0001", Faults(drop_rate=1.0, operations=frozenset({"send"})), (), "send_failed", None),
    (
        "malformed",
        "0001",
        Faults(malformed_rate=0.5, operations=frozenset({"lookup"})),
        (),
        "contract_violation",
        "response_schema",
    ),
    (
        "delivered-regresses",
        "0001",
        None,
        ("delivered_regresses",),
        "contract_violation",
        "final_status_stable",
    ),
    ("final-flips", "0002", None, ("final_flips",), "contract_violation", "final_status_stable"),
    ("status-lowercase", "0001", None, ("status_lowercase",), "contract_violation", "status_in_enum"),
    (
        "error-without-reason",
        "0002",
        None,
        ("error_without_reason",),
        "contract_violation",
        "error_has_reason",
    ),
    (
        "updated-at-backwards",
        "0001",
        None,
        ("updated_at_backwards",),
        "contract_violation",
        "updated_at_monotonic",
    ),
    ("expired-never", "0003", None, ("expired_never",), "stuck", None),
    ("send-missing-id", "0001", None, ("send_missing_id",), "contract_violation", "send_accepted"),
    ("echo-id-wrong", "0001", None, ("echo_id_wrong",), "contract_violation", "echo_id"),
    ("wrong-content-type", "0001", None, ("wrong_content_type",), "contract_violation", "content_type_json"),
]


@pytest.mark.parametrize(
    ("suffix", "faults", "defects", "outcome", "rule"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_classification(sim, sim_target, probe_cli, tmp_path, suffix, faults, defects, outcome, rule):
    if faults is not None:
        sim.set_faults(faults)
    if defects:
        sim.set_defects(defects)
    history = tmp_path / "history.jsonl"
    result = probe_cli(
        *sim_target, "--channel", "SMS", "--to", NUMBER.format(suffix), "--history", str(history)
    )
    assert "Traceback" not in result.err
    assert f"outcome={outcome} " in result.out, result.out + result.err
    expected_code = {"delivered": 0, "unreachable": 3}.get(outcome, 1)
    assert result.code == expected_code, result.out + result.err
    (record,) = runs(history)
    assert record["outcome"] == outcome
    if rule is not None:
        assert rule in {v["rule"] for v in record["violations"]}, record["violations"]
    if outcome == "error":
        assert record["reason"] == "Carrier rejected the message"
    if faults is not None and faults.error_rate and outcome == "delivered":
        assert record["server_errors"] > 0
    if outcome == "delivered" and faults is not None and faults.drop_rate:
        assert record["transport_errors"] > 0


def test_target_down_is_unreachable(sim_target, probe_cli, tmp_path):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    history = tmp_path / "history.jsonl"
    result = probe_cli(
        *sim_target,
        "--base-url",
        f"http://127.0.0.1:{port}/api",
        "--channel",
        "SMS",
        "--history",
        str(history),
    )
    assert result.code == 3 and "outcome=unreachable " in result.out
    assert "Traceback" not in result.err
    (record,) = runs(history)
    assert record["outcome"] == "unreachable" and record["message_id"] is None


def test_wrong_key_is_refused_by_the_preflight_before_anything_is_sent(
    sim, sim_target, probe_cli, monkeypatch, tmp_path
):
    monkeypatch.setenv("GATEWATCH_API_KEY", "not-a-key")
    history = tmp_path / "history.jsonl"
    result = probe_cli(*sim_target, "--channel", "SMS", "--history", str(history))
    assert result.code == 2 and result.out == ""
    assert "refused the key in $GATEWATCH_API_KEY" in result.err and "Traceback" not in result.err
    assert runs(history) == []  # a configuration error, like a missing key: no run was made


def test_all_channels_run_and_are_each_recorded(sim, sim_target, probe_cli, tmp_path):
    history = tmp_path / "history.jsonl"
    result = probe_cli(*sim_target, "--channel", "all", "--history", str(history))
    assert result.code == 0
    assert sorted(r["channel"] for r in runs(history)) == sorted(sim.contract.channels)
    assert result.out.count("outcome=delivered ") == len(sim.contract.channels)
