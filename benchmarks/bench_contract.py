"""How long the contract suite takes against the embedded simulator, per profile.

Usage: python benchmarks/bench_contract.py [--runs 3] [--profile ci] [--contracts vendor|strict]
Runs `gatewatch contract` (which starts the simulator itself) with different seeds, one
after the other, and prints each wall time, the median and the requests made. For the
time to the first failure on each defect, see defect_matrix.py; for a rate-limited
gateway, bench_rate_limited.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", default="ci")
    parser.add_argument("--contracts", default="vendor")
    opts = parser.parse_args()
    times: list[float] = []
    for seed in range(1, opts.runs + 1):
        with tempfile.TemporaryDirectory() as reports:
            started = time.monotonic()
            proc = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "from gatewatch.cli import main; main()",
                    "contract",
                    "--profile",
                    opts.profile,
                    "--contracts",
                    opts.contracts,
                    "--seed",
                    str(seed),
                    "--reports-dir",
                    reports,
                ],
                capture_output=True,
                text=True,
                timeout=1800,
                check=False,
            )
            elapsed = time.monotonic() - started
            summary = json.loads((Path(reports) / "summary.json").read_text())
        times.append(elapsed)
        print(
            f"{opts.contracts} seed {seed}: exit {proc.returncode}, {elapsed:.1f} s wall, "
            f"{summary['requests']} requests, tests {summary['tests']}"
        )
        if proc.returncode != 0:
            print(proc.stdout[-3000:])
            return 1
    print(
        f"{opts.contracts} profile {opts.profile}: median {statistics.median(times):.1f} s "
        f"over {len(times)} runs "
        f"(min {min(times):.1f}, max {max(times):.1f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
