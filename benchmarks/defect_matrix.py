"""Run the contract suite against the simulator with each catalogue defect, per dialect.

Usage: python benchmarks/defect_matrix.py [--dialect D ...] [--seed N] [--jobs 2] [-x] [DEFECT ...]

For every dialect (default: all that ship) and every defect of that dialect's catalogue,
prints whether the run failed naming the defect's rule, the rules it named, the time to
the first failure and the whole run's time; then per dialect "caught N of M" and the
medians. Defects that need a rate limit run with one on the simulator and the suite.
Exit 1 if any defect was missed.
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
from dataclasses import dataclass
from pathlib import Path

from gatewatch.contract import dialect_names, resolve_contract
from gatewatch.core.embedded import simulator_process
from gatewatch.core.options.simulate import SimulateOptions
from gatewatch.simulator import catalogue

KEYS = {"GATEWATCH_API_KEY": "key-a", "GATEWATCH_SECOND_API_KEY": "key-b"}
RATE_LIMIT = "6000/min,100/s"


@dataclass(frozen=True)
class Case:
    dialect: str
    defect: str
    rule: str
    rate_limited: bool


@dataclass(frozen=True)
class Result:
    case: Case
    exit: int
    failed_rules: list[str]
    first_failure_s: float | None
    run_s: float
    tail: str

    @property
    def caught(self) -> bool:
        return self.exit == 1 and self.case.rule in self.failed_rules


def run_one(case: Case, seed: int, extra: tuple[str, ...] = (), timeout_s: float = 300.0) -> Result:
    """One suite run against a simulator of `case.dialect` with `case.defect`."""
    # The suite's webhook receiver listens on 127.0.0.1 (plain http), as with the embedded simulator.
    sim_args = ["--defect", case.defect, *SimulateOptions(allow_http_webhooks=True).as_args()]
    suite_args = ["--contracts", case.dialect, "--seed", str(seed), *extra]
    if case.rate_limited:
        sim_args += ["--rate-limit", RATE_LIMIT]
        suite_args += ["--rate-limit", RATE_LIMIT]
    contract = resolve_contract(case.dialect)
    with simulator_process(sim_args, contract=contract) as sim, tempfile.TemporaryDirectory() as reports:
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
    return Result(
        case=case,
        exit=proc.returncode,
        failed_rules=failed,
        first_failure_s=summary.get("first_failure_s"),
        run_s=round(elapsed, 2),
        tail=(proc.stdout + proc.stderr)[-3000:] if proc.returncode not in (0, 1) else "",
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("defects", nargs="*")
    parser.add_argument("--dialect", action="append", default=[])
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("-x", "--exitfirst", action="store_true", help="Stop each run at its first failure.")
    opts = parser.parse_args()
    dialects = opts.dialect or list(dialect_names())
    chosen = [
        (dialect, spec)
        for dialect in dialects
        for spec in catalogue(resolve_contract(dialect))
        if not opts.defects or spec.name in opts.defects
    ]
    cases = [Case(dialect, spec.name, spec.rule, spec.needs_rate_limit) for dialect, spec in chosen]
    started = time.monotonic()
    with ThreadPoolExecutor(opts.jobs) as pool:
        extra = ("-x",) if opts.exitfirst else ()
        results = list(pool.map(lambda c: run_one(c, opts.seed, extra), cases))
    missed = 0
    for dialect in dialects:
        mine = [r for r in results if r.case.dialect == dialect]
        for r in mine:
            first = "none" if r.first_failure_s is None else f"{r.first_failure_s:.2f}s"
            print(
                f"{dialect:<7} {'CAUGHT' if r.caught else 'MISSED'} {r.case.defect:<28} "
                f"rule={r.case.rule:<25} exit={r.exit} first_failure={first} run={r.run_s}s"
                f"{' limited' if r.case.rate_limited else ''} named={','.join(r.failed_rules)}"
            )
            if r.tail:
                print(r.tail)
        caught = sum(r.caught for r in mine)
        missed += len(mine) - caught
        firsts = [r.first_failure_s for r in mine if r.first_failure_s is not None]
        if mine:
            first_median = f"{statistics.median(firsts):.2f}s" if firsts else "none"
            print(
                f"{dialect}: caught {caught} of {len(mine)}; median time to first failure {first_median}; "
                f"median run {statistics.median(r.run_s for r in mine):.2f}s"
            )
    print(f"{len(results)} runs, {opts.jobs} at a time, in {time.monotonic() - started:.0f} s")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
