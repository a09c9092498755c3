"""The open model: a fixed arrival rate; what a slow target cannot take is counted, not hidden."""

from __future__ import annotations

from collections.abc import Callable

from tests.load.conftest import Run


def test_an_open_model_run_against_the_conforming_simulator_passes(
    gatewatch_load: Callable[..., Run],
) -> None:
    # A shared test machine can stall a process for a moment; that is not what this test
    # checks, so starts may be up to 0.5 s late before they count as dropped.
    run = gatewatch_load("--arrival-rate", "60", "--", "--gatewatch-max-lag-s", "0.5")
    assert run.code == 0, run.output[-4000:]
    summary = run.summary
    assert summary["model"] == "open"
    assert summary["arrival_rate_rps"] == 60
    assert summary["open_model"]["scheduled"] > 0
    assert run.gate("dropped starts")["status"] == "pass"


def test_a_target_too_slow_for_the_rate_drops_starts_and_fails_the_gate(
    gatewatch_load: Callable[..., Run], simulator: Callable[..., str]
) -> None:
    # Two requests in flight at 200 ms each: room for about 10 of the 40 starts a second.
    url = simulator("--latency", "200ms")
    run = gatewatch_load(
        "--base-url", url, "--arrival-rate", "40", "--max-in-flight", "2", env={"GATEWATCH_API_KEY": "key-a"}
    )
    assert run.code == 1, run.output[-4000:]
    summary = run.summary
    assert "dropped starts" in run.failed_gates()
    assert summary["open_model"]["dropped"]["no_slot"] > summary["all"]["requests"]
    assert run.gate("dropped starts")["measured"] > 0.5
