"""The probe's memory over a long loop: RSS every 100 cycles of 1,000, against a fast simulator.

The simulator runs as a child process (so its memory is not counted) with 2 ms lifecycle
steps; the probe loops with no pause between cycles on one channel, writing the history
and the textfile every cycle, exactly as `gatewatch probe --every` does. Prints the RSS
at intervals and the growth from cycle 100 (after warm-up) to the end; exits 1 when the
growth exceeds --max-growth-mb.

    .venv/bin/python benchmarks/bench_probe_memory.py [--cycles 1000] [--max-growth-mb 5]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

import psutil

from gatewatch.contract import default_contract
from gatewatch.core.config import resolve_target
from gatewatch.core.embedded import simulator_process
from gatewatch.probe import Backoff, CycleReport, LoopOptions, ServiceConfig, run_service
from gatewatch.probe.outcomes import Outcome

STEP_S = "0.002"


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--every", type=int, default=100, help="print the RSS every N cycles")
    parser.add_argument("--max-growth-mb", type=float, default=5.0)
    args = parser.parse_args()
    contract = default_contract()
    channel = contract.channels[0]
    samples: dict[int, float] = {}
    outcomes: dict[str, int] = {}
    started = time.monotonic()

    def watch(report: CycleReport) -> None:
        for result in report.results:
            outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
        done = report.index + 1
        if done == 1 or done % args.every == 0:
            gc.collect()
            samples[done] = rss_mb()
            print(
                f"cycle {done:>5}  rss {samples[done]:7.1f} MiB  elapsed {time.monotonic() - started:6.1f} s",
                flush=True,
            )

    with tempfile.TemporaryDirectory() as tmp, simulator_process(["--step-s", STEP_S]) as sim:
        config = ServiceConfig(
            target=resolve_target(base_url=sim.base_url),
            contract=contract,
            channels=(channel,),
            initial_delays={channel: 0.002},
            backoff=Backoff(first_interval_s=0.002),
            history=Path(tmp) / "history.jsonl",
            textfile=Path(tmp) / "probe.prom",
            loop=LoopOptions(every_s=0.0001, jitter=0.0, max_runs=args.cycles),
        )
        code = run_service(
            config, out=lambda line: None, on_cycle=watch, environ={"GATEWATCH_API_KEY": "key-a"}
        )
        history_kib = (Path(tmp) / "history.jsonl").stat().st_size / 1024
    warm = samples.get(min(args.every, args.cycles), samples[1])
    growth = samples[max(samples)] - warm
    print(f"outcomes: {outcomes}  exit code {code}  history {history_kib:.0f} KiB")
    print(
        f"rss: first cycle {samples[1]:.1f} MiB, cycle {min(args.every, args.cycles)} {warm:.1f} MiB, "
        f"cycle {max(samples)} {samples[max(samples)]:.1f} MiB; growth after warm-up {growth:+.2f} MiB "
        f"({'PASS' if growth <= args.max_growth_mb else 'FAIL'}, limit {args.max_growth_mb} MiB)"
    )
    delivered = outcomes.get(Outcome.DELIVERED.value, 0)
    return 0 if growth <= args.max_growth_mb and delivered == args.cycles else 1


if __name__ == "__main__":
    sys.exit(main())
