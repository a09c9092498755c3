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
    paced = ["--gatewatch-rate-limit", "6000/min,100/s"]
    if not args and (os.cpu_count() or 1) > 1:
        return _pytest_sharded(paced)
    return _pytest([*paced, *args])


# The whole run in two halves of about equal time, run side by side when the machine has
# the cores: most tests wait on child processes (simulators, suites, Locust), so one
# pytest leaves a core idle. The second half is every other test folder, so none is missed.
FIRST_HALF = ("tests/suite", "tests/hostile", "tests/core", "tests/report")


def second_half() -> list[str]:
    """The test folders not in the first half, and the suite users run (it ships in the wheel)."""
    folders = sorted(p for p in (ROOT / "tests").iterdir() if p.is_dir() and (p / "__init__.py").exists())
    rest = [p.relative_to(ROOT).as_posix() for p in folders]
    return [*(f for f in rest if f not in FIRST_HALF), "src/gatewatch/suite/tests"]


def _pytest(args: list[str], junit: Path = JUNIT) -> int:
    code = run(BIN / "python", "-m", "pytest", "--junitxml", junit, "-rfEs", *args)
    return _judged(code, [junit])


# pytest's exit code when it collected no test.
NO_TESTS = 5


def _judged(code: int, junits: list[Path]) -> int:
    if code == NO_TESTS:
        print("no test ran: failing", file=sys.stderr)
        return 1
    if code == 0 and os.environ.get("CI"):
        # In CI a skip is a test that did not run: the machine has everything, so fail.
        skipped = [s for junit in junits if junit.is_file() for s in skipped_tests(junit)]
        if skipped:
            print("tests were skipped in CI:\n  " + "\n  ".join(skipped), file=sys.stderr)
            return 1
    return code


def _pytest_sharded(args: list[str]) -> int:
    """Both halves at once: the first streams to the console, the second to a log shown after it."""
    JUNIT.parent.mkdir(exist_ok=True)
    junits = [JUNIT.with_name(f"tests-junit-{half}.xml") for half in (1, 2)]
    log = JUNIT.with_name("tests-second-half.log")
    pytest = [str(BIN / "python"), "-m", "pytest", "-rfEs", *args]
    second_cmd = [*pytest, "--junitxml", str(junits[1]), *second_half()]
    first_cmd = [*pytest, "--junitxml", str(junits[0]), *FIRST_HALF]
    print("+", " ".join(second_cmd), f"> {log.relative_to(ROOT)}", flush=True)
    with log.open("wb") as out:
        second = subprocess.Popen(second_cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            codes = [run(*first_cmd), second.wait()]
        finally:
            if second.poll() is None:
                second.terminate()
                second.wait(timeout=30)
    print(f"\n--- the second half ({log.relative_to(ROOT)}) ---", flush=True)
    sys.stdout.write(log.read_text(errors="replace"))
    if all(code == NO_TESTS for code in codes):
        return _judged(NO_TESTS, junits)
    # A half that a -k (PYTEST_ADDOPTS) left empty is fine while the other ran tests.
    verdicts = [_judged(code, [junit]) for code, junit in zip(codes, junits, strict=True) if code != NO_TESTS]
    return next((code for code in verdicts if code != 0), 0)


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
