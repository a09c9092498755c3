"""Run Schemathesis against the simulator with each catalogue defect, for comparison.

Usage: python benchmarks/compare_schemathesis.py --schemathesis /path/to/schemathesis [DEFECT ...]
Schemathesis is not a gatewatch dependency: install it in a venv of its own
(`python3 -m venv /tmp/st && /tmp/st/bin/pip install schemathesis`). It runs with all its
checks on contracts/openapi.yaml, with the simulator's key; a run that exits non-zero
counts as "caught". Prints caught/missed per defect, the conforming run's verdict (a
non-zero exit there is a false alarm) and the median run time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path

from gatewatch.contract import default_contract
from gatewatch.core.embedded import simulator_process
from gatewatch.simulator import catalogue

SPEC = Path(__file__).resolve().parents[1] / "contracts" / "openapi.yaml"


def run_one(binary: str, defect: str | None, timeout_s: float) -> tuple[int, float, str]:
    args = ["--defect", defect] if defect else []
    with simulator_process(args) as sim:
        started = time.monotonic()
        proc = subprocess.run(
            [
                binary,
                "run",
                str(SPEC),
                "--url",
                sim.base_url,
                "--checks",
                "all",
                "-w",
                "1",
                "-H",
                "Authorization: Bearer key-a",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
            env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
        )
        return proc.returncode, time.monotonic() - started, proc.stdout[-1500:]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schemathesis", required=True)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("defects", nargs="*")
    opts = parser.parse_args()
    specs = {s.name: s.rule for s in catalogue(default_contract())}
    names = opts.defects or sorted(specs)
    code, elapsed, tail = run_one(opts.schemathesis, None, opts.timeout)
    print(f"conforming: exit {code} ({'FALSE ALARM' if code else 'pass'}), {elapsed:.1f}s")
    if code:
        print(tail)
    times = [elapsed]
    caught = 0
    for name in names:
        code, elapsed, _ = run_one(opts.schemathesis, name, opts.timeout)
        times.append(elapsed)
        caught += code != 0
        verdict = "CAUGHT" if code else "MISSED"
        print(f"{verdict} {name:<27} rule={specs[name]:<25} exit={code} {elapsed:.1f}s")
    print(f"schemathesis caught {caught} of {len(names)}; median run {statistics.median(times):.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
