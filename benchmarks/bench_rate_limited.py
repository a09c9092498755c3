"""How long the ci contract suite takes against a rate-limited gateway, and against an unlimited one.

Usage: python benchmarks/bench_rate_limited.py [--runs 1] [--limit production|trial|N/min,M/s]
       [--profile ci] [--seed 1] [--no-baseline]

Starts `gatewatch simulate --rate-limit LIMIT --error-rate 0.02` as a child on 127.0.0.1
(every 50th answer a transient 500, as a conforming gateway may give, so that every rule
can be judged) and runs `gatewatch contract --base-url ... --rate-limit LIMIT` against it:
the suite plans its requests from the budget, paces itself to 90 % of the limit, then
bursts past the per-second limit once at the end. Then the same against an unlimited
simulator without --rate-limit (unless --no-baseline). Prints each run's wall time,
requests, 429s, rules exercised of the contract's and the budget line, then the median.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from gatewatch.core.embedded import simulator_process
from gatewatch.core.options.simulate import SimulateOptions

KEYS = {"GATEWATCH_API_KEY": "key-a", "GATEWATCH_SECOND_API_KEY": "key-b"}
TRANSIENT_500S = ["--error-rate", "0.02"]
# The suite's webhook receiver is plain http on 127.0.0.1, as for the embedded simulator.
LOCAL_WEBHOOKS = SimulateOptions(allow_http_webhooks=True).as_args()


@dataclass(frozen=True)
class Result:
    exit: int
    wall_s: float
    requests: int | None
    throttled: dict[str, float]
    budget: str | None
    rules: dict[str, str]

    @property
    def exercised(self) -> int:
        """Rules a check judged (passed or failed), of `len(self.rules)`."""
        return sum(1 for status in self.rules.values() if status in ("passed", "failed"))


def run_once(limit: str | None, seed: int, profile: str) -> Result:
    sim_args = [*(["--rate-limit", limit] if limit else []), *TRANSIENT_500S, *LOCAL_WEBHOOKS]
    suite_args = [*(["--rate-limit", limit] if limit else []), "--profile", profile]
    with simulator_process(sim_args) as sim, tempfile.TemporaryDirectory() as reports:
        started = time.monotonic()
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                "from gatewatch.cli import main; main()",
                "contract",
                "--base-url",
                sim.base_url,
                *suite_args,
                "--seed",
                str(seed),
                "--reports-dir",
                reports,
            ],
            capture_output=True,
            text=True,
            timeout=3600,
            env={**os.environ, **KEYS},
            check=False,
        )
        elapsed = time.monotonic() - started
        path = Path(reports) / "summary.json"
        summary = json.loads(path.read_text()) if path.is_file() else {}
    if proc.returncode != 0:
        print((proc.stdout + proc.stderr)[-3000:])
    return Result(
        exit=proc.returncode,
        wall_s=elapsed,
        requests=summary.get("requests"),
        throttled=summary.get("throttled", {}),
        budget=summary.get("budget"),
        rules={rule: str(v.get("status")) for rule, v in summary.get("rules", {}).items()},
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--limit", default="production")
    parser.add_argument("--profile", default="ci")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true", help="Skip the unlimited run.")
    opts = parser.parse_args()
    failed = 0
    for limit in (opts.limit,) if opts.no_baseline else (opts.limit, None):
        results: list[Result] = []
        for i in range(opts.runs):
            r = run_once(limit, opts.seed + i, opts.profile)
            results.append(r)
            failed += r.exit != 0
            print(
                f"rate limit {limit or 'none'}: seed {opts.seed + i}: exit {r.exit}, {r.wall_s:.1f} s wall, "
                f"{r.requests} requests, 429s {r.throttled}, rules exercised {r.exercised} of "
                f"{len(r.rules)}; {r.budget}"
            )
        print(
            f"rate limit {limit or 'none'}, profile {opts.profile}: median "
            f"{statistics.median(r.wall_s for r in results):.1f} s wall, "
            f"{statistics.median(r.requests or 0 for r in results):.0f} requests, rules exercised "
            f"{min(r.exercised for r in results)} of {len(results[0].rules)} "
            f"(fewest over {len(results)} run(s))"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
