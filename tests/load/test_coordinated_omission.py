"""Coordinated omission: a stall of the target shows in the gated latencies, not only in Locust's.

The simulator freezes once for a second (its `stall` fault: the whole process, as a
garbage collector's pause would). With two requests in flight at 60 starts a second, the
starts due meanwhile wait for a slot: sent late, each is answered fast once the target
is back, so its service time (from the send) is small while its response time (from its
intended start on the schedule) holds the wait. The gates judge the second.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable

from gatewatch.core.records.load_summary import LATENCY_FROM_INTENDED
from tests.load.conftest import Run

STALL_MS = 1000
# Every 200th lookup stalls: the preflight's lookup is the first, so the stall comes
# about 3 s into the load, after the 2 s warm-up and once in the run.
STALL_RATE = 0.005


def stall_the_simulator(root_url: str) -> None:
    body = json.dumps({"stall_ms": STALL_MS, "stall_rate": STALL_RATE, "operations": ["lookup"]})
    request = urllib.request.Request(
        root_url + "/_control/faults", data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # loopback only
        assert answer.status == 200


def test_a_stall_shows_in_the_latency_from_the_intended_start_and_fails_the_gate(
    gatewatch_load: Callable[..., Run], simulator: Callable[..., str]
) -> None:
    url = simulator("--control")
    stall_the_simulator(url.rsplit("/", 1)[0])
    run = gatewatch_load(
        "--base-url",
        url,
        "--mix",
        "known=1",
        "--arrival-rate",
        "60",
        "--max-in-flight",
        "2",
        "--",
        # Starts wait for a slot through the stall instead of being dropped.
        "--gatewatch-max-lag-s",
        "3",
        env={"GATEWATCH_API_KEY": "key-a"},
        duration="8s",
    )
    summary = run.summary
    assert summary["latency_from"] == LATENCY_FROM_INTENDED
    known = summary["kinds"]["known"]
    response, service = known["latency_ms"], known["service_latency_ms"]
    # The stall happened while measuring: the requests in flight waited it out.
    assert service["max"] >= 0.9 * STALL_MS, known
    # The requests due during the stall waited for a slot: the wait counts from their intended start...
    assert response["p95"] >= 0.3 * STALL_MS, known
    # ...but not in their service time, which hides the stall.
    assert service["p95"] * 3 < response["p95"], known
    assert summary["open_model"]["dropped"].get("no_slot", 0) == 0
    # The gates judge the response time from the intended start.
    assert run.code == 1, run.output[-4000:]
    assert "latency known p95" in run.failed_gates()
    assert run.gate("latency known p95")["measured"] == response["p95"]
    assert "from the intended start (gated) | service time" in run.stdout
