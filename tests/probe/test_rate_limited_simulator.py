"""The probe against an embedded simulator with a rate limit: --rate-limit reaches the child.

A conforming limiter never throttles a paced probe; one that throttles at a quarter of
the limit (the simulator's `throttle_early` defect) is caught as throttled_below_limit.
"""

from __future__ import annotations

from .conftest import read_history


def test_a_paced_probe_is_never_throttled_by_a_conforming_limit(probe_cli, monkeypatch, tmp_path):
    monkeypatch.delenv("GATEWATCH_API_KEY", raising=False)
    history = tmp_path / "h.jsonl"
    result = probe_cli("--rate-limit", "20/s", "--channel", "SMS", "--history", str(history))
    assert result.code == 0, result.out + result.err
    (run,) = [r for r in read_history(history) if r["type"] == "run"]
    # The probe knows a limit, so the rate-limit headers were judged on every answer: the
    # child simulator was started with the command's limit, or they would be missing.
    assert run["violations"] == [] and run["throttled"] == 0


def test_throttling_far_below_the_limit_is_a_contract_violation(probe_cli, monkeypatch, tmp_path):
    monkeypatch.delenv("GATEWATCH_API_KEY", raising=False)
    history = tmp_path / "h.jsonl"
    result = probe_cli(
        "--rate-limit",
        "20/s",
        "--channel",
        "SMS",
        "--history",
        str(history),
        "--simulator-arg=--defect=throttle_early",
    )
    assert result.code == 1, result.out + result.err
    (run,) = [r for r in read_history(history) if r["type"] == "run"]
    assert run["outcome"] == "contract_violation" and run["throttled"] >= 1
    assert "throttled_below_limit" in {v["rule"] for v in run["violations"]}
