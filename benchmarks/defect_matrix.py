"""Run the contract suite against the simulator with each catalogue defect; print what caught it.

Usage: python benchmarks/defect_matrix.py [--seed N] [--jobs 2] [DEFECT ...]
Prints, per defect, whether the run failed, the rules it named, the time to the first
failure and the whole run's time; then the medians. Exit 1 if any defect was missed.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gatewatch.contract import default_contract
from gatewatch.embedded import simulator_process
from gatewatch.simulator import catalogue

KEYS = {"GATEWATCH_API_KEY": "key-a", "GATEWATCH_SECOND_API_KEY": "key-b"}


def run_one(defect: str | None, seed: int, timeout_s: float = 300.0) -> dict[str, object]:
    """One suite run against a simulator with `defect` (None: conforming)."""
    args = ["--defect", defect] if defect else []
    with simulator_process(args) as sim, tempfile.TemporaryDirectory() as reports:
        started = time.monotonic()
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                "from gatewatch.cli import main; main()",
                "contract",
                "--base-url",
                sim.base_url,
                "--seed",
                str(seed),
                "--reports-dir",
                reports,
            ],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env={**os.environ, **KEYS},
            check=False,
        )
        elapsed = time.monotonic() - started
        summary_path = Path(reports) / "summary.json"
        summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    failed = sorted(r for r, v in summary.get("rules", {}).items() if v["status"] == "failed")
    return {
        "defect": defect,
        "exit": proc.returncode,
        "failed_rules": failed,
        "first_failure_s": summary.get("first_failure_s"),
        "run_s": round(elapsed, 2),
        "tail": proc.stdout[-3000:] if proc.returncode not in (0, 1) else "",
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("defects", nargs="*")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--jobs", type=int, default=2)
    opts = parser.parse_args()
    specs = {s.name: s.rule for s in catalogue(default_contract())}
    names = opts.defects or sorted(specs)
    with ThreadPoolExecutor(opts.jobs) as pool:
        results = list(pool.map(lambda d: run_one(d, opts.seed), names))
    missed = 0
    for r in results:
        rule = specs[str(r["defect"])]
        caught = r["exit"] == 1 and rule in r["failed_rules"]
        missed += not caught
        first = r["first_failure_s"]
        print(
            f"{'CAUGHT' if caught else 'MISSED'} {r['defect']:<27} rule={rule:<25} exit={r['exit']} "
            f"first_failure={first if first is None else f'{first:.2f}s'} run={r['run_s']}s "
            f"named={','.join(r['failed_rules'])}"
        )
        if r["tail"]:
            print(r["tail"])
    firsts = [float(r["first_failure_s"]) for r in results if r["first_failure_s"] is not None]
    if firsts:
        print(f"median time to first failure: {statistics.median(firsts):.2f}s over {len(firsts)} defects")
    print(f"median run time: {statistics.median(float(r['run_s']) for r in results):.2f}s")
    print(f"caught {len(results) - missed} of {len(results)}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
