"""How well the probe times a message, measured against the simulator's true timelines.

Sends messages through the probe engine (default backoff, 2 confirmations) to an
in-process simulator whose every transition time is known, and compares the probe's
time to DELIVERED with the truth (the DELIVERED step minus the send, on the simulator's
clock). Prints, per scenario: the error of the estimate (median, p90, max), the bracket
width (the bound the error is guaranteed to stay within even when the clocks disagree),
the error of a bracket-only estimate (no updatedAt), and lookups per message.
Target: error <= max(50 ms, 5% of the true time) and <= 15 lookups per message.

    .venv/bin/python benchmarks/bench_probe_timing.py [--messages 60] [--workers 12] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from gatewatch.contract import default_contract
from gatewatch.core.client import GatewayClient
from gatewatch.core.config import default_recipients
from gatewatch.core.secrets import Secret
from gatewatch.probe import Backoff, ChannelPlan, ProbeSettings, SystemClock, run_channel
from gatewatch.probe.outcomes import Outcome
from gatewatch.simulator import Faults, Simulator, SimulatorConfig
from gatewatch.simulator.app import GatewayApp

KEY = Secret("key-a")
MAX_LOOKUPS = 15


@dataclass(frozen=True)
class Scenario:
    name: str
    step_s: float
    initial_delay_s: float
    deadline_s: float
    faults: Faults | None = None
    clock_skew_s: float = 0.0  # how far the simulator's clock is ahead of the probe's


SCENARIOS = [
    Scenario("default (0.2 s steps)", 0.2, 0.1, 10.0),
    Scenario("fast (0.05 s steps)", 0.05, 0.1, 10.0),
    Scenario("slow (2 s steps, 2 s delay)", 2.0, 2.0, 30.0),
    Scenario("latency 20+-20 ms", 0.2, 0.1, 10.0, Faults(latency_ms=20, jitter_ms=20)),
    Scenario("server clock +90 s", 0.2, 0.1, 10.0, clock_skew_s=90.0),
    Scenario("server clock -3.5 s", 0.2, 0.1, 10.0, clock_skew_s=-3.5),
]


@dataclass(frozen=True)
class Sample:
    truth_s: float
    estimate_s: float
    bound_s: float
    midpoint_s: float
    lookups: int


def probe_one(sim: Simulator, scenario: Scenario, channel: str, to: str) -> Sample:
    contract = sim.contract
    delivered = contract.recipients[Outcome.DELIVERED.value].final_status
    settings = ProbeSettings(
        plans=(
            ChannelPlan(
                channel=channel,
                to=to,
                initial_delay_s=scenario.initial_delay_s,
                deadline_s=scenario.deadline_s,
            ),
        ),
        backoff=Backoff(max_lookups=MAX_LOOKUPS),
    )
    with GatewayClient(sim.base_url, KEY, contract=contract, pool_size=1) as client:
        result = run_channel(
            client, contract, settings.plans[0], settings, clock=SystemClock(), target="bench"
        )
    if result.outcome is not Outcome.DELIVERED or result.message_id is None:
        raise SystemExit(f"{scenario.name}: expected delivered, got {result.outcome.value}: {result.reason}")
    message = sim.message(result.message_id)
    assert message is not None
    step = next(s for s in message.steps if s.status == delivered)
    timing = result.time_to(delivered)
    assert timing is not None
    return Sample(
        truth_s=step.at - message.sent_at,
        estimate_s=timing.at_s,
        bound_s=timing.bound_s,
        midpoint_s=(timing.earliest_s + timing.latest_s) / 2,
        lookups=result.lookups,
    )


def run_scenario(scenario: Scenario, messages: int, workers: int) -> dict[str, object]:
    contract = default_contract()
    to = default_recipients(contract)[Outcome.DELIVERED.value]
    config = SimulatorConfig(step_s=scenario.step_s, faults=scenario.faults or Faults())
    sim = Simulator(config, contract)
    if scenario.clock_skew_s:
        skew = scenario.clock_skew_s
        # The simulator takes its clock from its app; a skewed one stands for a gateway
        # whose clock disagrees with the probe's (its timelines stay true on its own clock).
        sim.app = GatewayApp(contract, config, clock=lambda: time.time() + skew)
    with sim, ThreadPoolExecutor(max_workers=workers) as pool:
        channels = [contract.channels[i % len(contract.channels)] for i in range(messages)]
        samples = list(pool.map(lambda ch: probe_one(sim, scenario, ch, to), channels))
    errors = sorted(abs(s.estimate_s - s.truth_s) for s in samples)
    mid_errors = sorted(abs(s.midpoint_s - s.truth_s) for s in samples)
    bounds = sorted(s.bound_s for s in samples)
    lookups = sorted(s.lookups for s in samples)
    truth = statistics.median(s.truth_s for s in samples)
    allowed = max(0.05, 0.05 * truth)
    within = sum(abs(s.estimate_s - s.truth_s) <= max(0.05, 0.05 * s.truth_s) for s in samples)
    return {
        "scenario": scenario.name,
        "messages": len(samples),
        "truth_median_s": truth,
        "allowed_error_s": allowed,
        "error_ms": _summary(errors, 1000),
        "bracket_only_error_ms": _summary(mid_errors, 1000),
        "bound_ms": _summary(bounds, 1000),
        "lookups": {"median": statistics.median(lookups), "max": lookups[-1]},
        "within_target": within,
        "ok": within == len(samples) and lookups[-1] <= MAX_LOOKUPS,
    }


def _summary(values: list[float], scale: float) -> dict[str, float]:
    p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
    return {
        "median": round(statistics.median(values) * scale, 2),
        "p90": round(p90 * scale, 2),
        "max": round(values[-1] * scale, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=60, help="messages per scenario")
    parser.add_argument("--workers", type=int, default=12, help="messages followed at once")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    reports = [run_scenario(s, args.messages, args.workers) for s in SCENARIOS]
    if args.json:
        print(json.dumps(reports, indent=2))
    else:
        print(
            f"{'scenario':<30} {'truth':>7} {'error ms med/p90/max':>22} {'bracket-only ms':>18} "
            f"{'bound ms med/max':>17} {'lookups med/max':>16}  verdict"
        )
        for r in reports:
            e, m, b, lk = r["error_ms"], r["bracket_only_error_ms"], r["bound_ms"], r["lookups"]
            print(
                f"{r['scenario']:<30} {r['truth_median_s']:>6.2f}s "  # type: ignore[index]
                f"{e['median']:>7}/{e['p90']}/{e['max']:<8} "
                f"{m['median']:>8}/{m['max']:<8} "
                f"{b['median']:>8}/{b['max']:<8} "
                f"{lk['median']:>7}/{lk['max']:<8} "
                f"{'PASS' if r['ok'] else 'FAIL'} ({r['within_target']}/{r['messages']} within "
                f"max(50 ms, 5%), <= {MAX_LOOKUPS} lookups)"
            )
    return 0 if all(r["ok"] for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
