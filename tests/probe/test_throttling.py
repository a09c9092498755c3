"""Rate limits: the probe waits out 429s and counts them; one it did not earn is a violation.

Against the stub gateway (real HTTP, the real client): a burst of 429s, each saying how
long to wait, on the send and on a lookup. The rate-limit rules exist only in the vendor
dialect (the strict one has no rate limits), so these run on it alone.
"""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gatewatch.contract import default_contract

from .conftest import read_history

pytestmark = pytest.mark.parametrize("dialect", ["vendor"], indirect=True)


def counters(prom):
    return {
        s.name: s.value
        for family in text_string_to_metric_families(prom.read_text())
        for s in family.samples
        if s.labels.get("channel") == "SMS"
    }


def test_a_429_burst_is_waited_out_counted_and_the_probe_goes_on(
    gateway_stub, stub_target, probe_cli, tmp_path
):
    gateway_stub.script.throttle = {"send": 1, "lookup": 3}
    history, prom = tmp_path / "h.jsonl", tmp_path / "p.prom"
    result = probe_cli(*stub_target, "--history", str(history), "--textfile", str(prom))
    assert result.code == 0, result.out + result.err
    assert "outcome=delivered " in result.out and "throttled=4 " in result.out
    statuses = [status for _, status in gateway_stub.script.seen]
    assert statuses.count(429) == 4
    (run,) = [r for r in read_history(history) if r["type"] == "run"]
    assert run["throttled"] == 4 and run["violations"] == []
    # The stub says to wait 0.05 s each time, and the client did.
    assert run["throttled_wait_s"] == pytest.approx(4 * gateway_stub.script.retry_after_s, abs=0.01)
    found = counters(prom)
    assert found["gatewatch_probe_throttled_total"] == 4
    assert found["gatewatch_probe_last_run_throttled"] == 4
    assert found["gatewatch_probe_throttled_wait_seconds_total"] == pytest.approx(0.2, abs=0.01)


def test_a_429_while_the_probe_is_within_its_pace_breaks_throttled_below_limit(
    gateway_stub, stub_target, probe_cli, tmp_path
):
    gateway_stub.script.throttle = {"lookup": 1}
    history = tmp_path / "h.jsonl"
    # A few requests against a limit of 20 a second: the probe is far within it.
    result = probe_cli(*stub_target, "--rate-limit", "20/s", "--history", str(history))
    assert result.code == 1, result.out + result.err
    assert "outcome=contract_violation " in result.out and "throttled_below_limit" in result.out
    (run,) = [r for r in read_history(history) if r["type"] == "run"]
    (violation,) = run["violations"]
    assert violation["rule"] == "throttled_below_limit" and violation["provenance"] == "pinned"


def test_a_run_that_gives_up_on_the_send_is_send_failed_never_resent_past_the_bound(
    gateway_stub, stub_target, probe_cli, tmp_path
):
    attempts = default_contract().rate_limits.max_attempts
    gateway_stub.script.throttle = {"send": attempts + 5}
    result = probe_cli(*stub_target, "--history", str(tmp_path / "h.jsonl"))
    assert result.code == 1, result.out + result.err
    assert "outcome=send_failed " in result.out and "gave up" in result.out
    sends = [status for op, status in gateway_stub.script.seen if op == "send"]
    assert sends == [429] * (attempts + 1)  # waited out `attempts` times, then stopped


def test_the_channels_share_one_pacer_under_the_targets_limit(
    gateway_stub, stub_target, probe_cli, monkeypatch
):
    from gatewatch.core.client import GatewayClient

    pacers = []
    original = GatewayClient.for_target.__func__  # type: ignore[attr-defined]

    def recording(cls, target, key, **options):
        pacers.append(options.get("pacer"))
        return original(cls, target, key, **options)

    monkeypatch.setattr(GatewayClient, "for_target", classmethod(recording))
    args = [a for a in stub_target if a not in ("--channel", "SMS")]
    result = probe_cli(*args, "--channel", "all", "--rate-limit", "1000/min,50/s")
    assert result.code == 0, result.out + result.err
    contract = default_contract()
    assert len(pacers) == len(contract.channels) and len({id(p) for p in pacers}) == 1
    assert str(pacers[0].limit) == "1000/min,50/s"
    assert pacers[0].fraction == contract.rate_limits.pace_fraction
    # Every request of the run went through it: the preflight, and each channel's send and lookups.
    assert pacers[0].requests == len(gateway_stub.script.seen) > len(contract.channels)
