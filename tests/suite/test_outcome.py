"""The suite's verdict comes back as a value from each in-process run, not through a global.

`gatewatch contract` runs pytest in its own process. When the suite stops before its tests
(a usage or configuration error: 2; an unreachable target: 3) the run's `SuiteOutcome`
says so; pytest's own 3 means an internal error, so the code cannot come from pytest alone.
Several runs in one process (here a child process, so this test's own pytest is not
involved) each get their own answer: nothing left by one run decides the next.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.suite.conftest import SIMULATOR_KEYS

# Four runs in one process: unreachable, a usage error, nothing selected, a bad option.
RUNS = r"""
import json, sys
from gatewatch.cli.contract import exit_code, run_suite
from gatewatch.suite.locate import suite_dir

suite = str(suite_dir())
base = [suite, "-p", "no:cacheprovider", "-p", "no:schemathesis", "--rootdir", suite,
        "--assert=plain", "-q", "--gatewatch-reports-dir", sys.argv[1]]
nowhere = ["--gatewatch-base-url", "http://127.0.0.1:9/api"]
runs = [
    run_suite([*base, *nowhere]),
    run_suite([*base, "--gatewatch-target", "no-such-target"]),
    run_suite([*base, *nowhere, "-k", "no_such_test_anywhere"]),
    run_suite([*base, "--no-such-option"]),
]
print(json.dumps([[o.stopped, o.exitstatus, exit_code(o)] for o in runs]))
"""


def test_each_run_returns_its_own_verdict(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", RUNS, str(tmp_path / "reports")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,  # no ./gatewatch.toml: an unknown --target is a usage error
        env={**os.environ, **SIMULATOR_KEYS},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    unreachable, usage, nothing, bad_option = json.loads(proc.stdout.strip().splitlines()[-1])
    # [why the suite stopped, pytest's exit status, gatewatch's exit code]
    assert unreachable == [3, 3, 3]
    assert usage == [2, 2, 2], "the unreachable run before it does not decide this one"
    assert nothing == [None, 5, 2], "no run before it stopped this one: no tests is pytest's 5"
    assert bad_option == [None, 4, 2], "pytest refused the command line: no session, no stop"
    assert "gatewatch: target unreachable" in proc.stderr
