"""How long the ci contract suite takes against a rate-limited gateway, and against an unlimited one.

Usage: python benchmarks/bench_rate_limited.py [--runs 1] [--limit production] [--seed 1]

Starts `gatewatch simulate --rate-limit LIMIT` as a child on 127.0.0.1 and runs
`gatewatch contract --base-url ... --rate-limit LIMIT` against it (the suite paces itself
to 90 % of the limit, its generated traffic scaled to the limit, then bursts past the
per-second limit once at the end); then the same against an unlimited simulator without
--rate-limit. Prints each run's wall time, requests, 429s and the budget line.
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

from gatewatch.embedded import simulator_process

KEYS = {"GATEWATCH_API_KEY": "key-a", "GATEWATCH_SECOND_API_KEY": "key-b"}


@dataclass(frozen=True)
class Result:
    exit: int
    wall_s: float
    requests: int | None
    throttled: dict[str, float]
    budget: str | None


def run_once(limit: str | None, seed: int) -> Result:
    sim_args = ["--rate-limit", limit] if limit else []
    suite_args = ["--rate-limit", limit] if limit else []
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
            timeout=900,
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
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--limit", default="production")
    parser.add_argument("--seed", type=int, default=1)
    opts = parser.parse_args()
    failed = 0
    for limit in (opts.limit, None):
        walls: list[float] = []
        for i in range(opts.runs):
            r = run_once(limit, opts.seed + i)
            walls.append(r.wall_s)
            failed += r.exit != 0
            print(
                f"rate limit {limit or 'none'}: seed {opts.seed + i}: exit {r.exit}, {r.wall_s:.1f} s wall, "
                f"{r.requests} requests, 429s {r.throttled}; {r.budget}"
            )
        print(
            f"rate limit {limit or 'none'}: median {statistics.median(walls):.1f} s over {len(walls)} run(s)"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
