"""`gatewatch contract` resolves and checks its target once: the suite runs on the run it was given.

The command resolves the target and contract and runs the preflight before pytest starts
(so a bad target is one line before any pytest output); the suite's session then takes
that run as it is, instead of resolving the flags and checking the target a second time.
Counted in a child process (the suite runs pytest in-process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gatewatch.simulator import Simulator, SimulatorConfig
from tests.suite.conftest import SIMULATOR_KEYS

COUNTED = r"""
import json, sys
import gatewatch.core.opening as opening
import gatewatch.core.options.target as target_options
from gatewatch.cli.contract import command

counts = {"resolved": 0, "preflights": 0}
real_resolve, real_preflight = target_options.resolve_run, opening.preflight

def resolve_run(**kwargs):
    counts["resolved"] += 1
    return real_resolve(**kwargs)

def preflight(*args, **kwargs):
    counts["preflights"] += 1
    return real_preflight(*args, **kwargs)

target_options.resolve_run = resolve_run
opening.preflight = preflight
code = command.main(sys.argv[1:], standalone_mode=False)
print(json.dumps({**counts, "code": code}))
"""


def test_gatewatch_contract_resolves_and_checks_its_target_once(tmp_path: Path) -> None:
    with Simulator(SimulatorConfig()) as sim:
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                COUNTED,
                "--base-url",
                sim.base_url,
                "--reports-dir",
                str(tmp_path / "r"),
                "-k",
                "test_unknown_path_is_404_with_the_error_body",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
            env={**os.environ, **SIMULATOR_KEYS},
            check=False,
        )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    assert counts == {"resolved": 1, "preflights": 1, "code": 0}
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["tests"]["passed"] >= 1
