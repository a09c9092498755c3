"""A newcomer's first minutes: clone the repository and run the README's two quickstart commands.

The commands are taken from the README itself, so the test fails when the README and the
project drift apart. The second command (the whole test run) is run as written, with
PYTEST_ADDOPTS narrowing pytest to one test: it still creates the virtualenv, installs,
lints and type-checks the clone and collects every test, without running the whole
suite a second time inside itself.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def quickstart() -> list[str]:
    """The commands of the README's Quickstart block, comments dropped."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Quickstart\n.*?```sh\n(.*?)```", text, re.S)
    assert block, "the README has a Quickstart with a sh block"
    return [
        line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.split("#", 1)[0].strip()
    ]


def test_the_readme_has_exactly_two_commands() -> None:
    commands = quickstart()
    assert len(commands) == 2, commands
    assert commands[0].startswith("python3 ") and commands[1].startswith("python3 ")


def test_a_fresh_clone_runs_both_quickstart_commands(tmp_path: Path) -> None:
    clone = tmp_path / "gatewatch"
    cloned = subprocess.run(
        ["git", "clone", "-q", str(ROOT), str(clone)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert cloned.returncode == 0, cloned.stderr
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GATEWATCH_", "VIRTUAL_ENV", "PYTEST", "CI")) and k != "PYTHONPATH"
    }
    first, second = quickstart()
    main = subprocess.run(
        shlex.split(first), cwd=clone, capture_output=True, text=True, timeout=900, env=env, check=False
    )
    assert main.returncode == 0, main.stdout[-3000:] + main.stderr[-2000:]
    assert (clone / "reports" / "index.html").is_file()
    narrowed = {**env, "PYTEST_ADDOPTS": "-k test_the_public_api_is_explicit"}
    tests = subprocess.run(
        shlex.split(second), cwd=clone, capture_output=True, text=True, timeout=900, env=narrowed, check=False
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert re.search(r"\b1 passed\b", tests.stdout), tests.stdout[-2000:]
