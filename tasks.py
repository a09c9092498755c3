"""Bootstrap and run gatewatch from a fresh clone with nothing but Python 3.11 and pip.

    python3 tasks.py run           # gatewatch run: suite, load and probe on the embedded simulator
    python3 tasks.py test          # lint, types and every test (what CI runs)
    python3 tasks.py test --quick  # lint and the fast tests, for day-to-day work

Both create .venv/ and install gatewatch with its dev and load extras the first time (and again
whenever pyproject.toml changes). Anything after the task name is passed on:
`python3 tasks.py test tests/core -x`, `python3 tasks.py test --lf` (pytest's cache is
on), `python3 tasks.py run --only contract --seed 7`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".gatewatch-installed"
JUNIT = ROOT / "reports" / "tests-junit.xml"


def run(*cmd: str | Path) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT)


def ensure_venv() -> None:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.is_file() and STAMP.read_text() == digest:
        return
    if not (BIN / "python").exists() and run(sys.executable, "-m", "venv", VENV) != 0:
        sys.exit("could not create .venv (is the python3-venv package installed?)")
    if run(BIN / "python", "-m", "pip", "install", "-q", "--upgrade", "pip") != 0:
        sys.exit("pip upgrade failed")
    if run(BIN / "python", "-m", "pip", "install", "-q", "-e", ".[dev,load]") != 0:
        sys.exit("installing gatewatch failed")
    STAMP.write_text(digest)


def gatewatch_run(args: list[str]) -> int:
    return run(BIN / "gatewatch", "run", *args)


def skipped_tests(junit: Path) -> list[str]:
    """The tests a JUnit file says were skipped, with their reasons."""
    found = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        skip = case.find("skipped")
        if skip is not None:
            found.append(f"{case.get('classname')}::{case.get('name')}: {skip.get('message')}")
    return found


# The day-to-day subset: everything but the end-to-end runs of the suite, the load tests
# and the probe's loops, which CI runs in full.
QUICK = ["-m", "not slow", "tests/core", "tests/simulator", "tests/report", "-x", "-q"]


def test(args: list[str]) -> int:
    if args[:1] == ["--quick"]:
        args = [*QUICK, *args[1:]]
        if run(BIN / "ruff", "check", "src", "tests", "load", "benchmarks", "tasks.py") != 0:
            return 1
        return _pytest(args)
    for step in (
        (BIN / "ruff", "check", "src", "tests", "load", "benchmarks", "tasks.py"),
        (BIN / "ruff", "format", "--check", "src", "tests", "load", "benchmarks", "tasks.py"),
        (BIN / "mypy",),
    ):
        if args:
            break  # a focused run (`test tests/core -x`) skips lint
        if run(*step) != 0:
            return 1
    # The suite's own run goes against a rate-limited simulator, so its rate-limit
    # conformance test runs (a skip fails CI) and pacing is exercised end to end.
    return _pytest(["--gatewatch-rate-limit", "6000/min,100/s", *args])


def _pytest(args: list[str]) -> int:
    code = run(BIN / "python", "-m", "pytest", "--junitxml", JUNIT, "-rfEs", *args)
    if code == 5:
        print("no test ran: failing", file=sys.stderr)
        return 1
    if code == 0 and os.environ.get("CI") and JUNIT.is_file():
        # In CI a skip is a test that did not run: the machine has everything, so fail.
        skipped = skipped_tests(JUNIT)
        if skipped:
            print("tests were skipped in CI:\n  " + "\n  ".join(skipped), file=sys.stderr)
            return 1
    return code


def main() -> int:
    # "demo" is the name earlier READMEs used.
    tasks = {"run": gatewatch_run, "demo": gatewatch_run, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in tasks:
        print(__doc__, file=sys.stderr)
        return 2
    ensure_venv()
    return tasks[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
