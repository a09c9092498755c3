"""A base URL without the /api prefix is told at the preflight, by every command (issue 12).

Before: the preflight's lookup answered 404 (as an unknown id does), so the run went on
and failed on every rule. Now: exit 2, one line naming the base URL to try.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gatewatch.simulator import Simulator, SimulatorConfig

CLI = [sys.executable, "-c", "from gatewatch.cli import main; main()"]


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(SimulatorConfig()) as server:
        yield server


def gatewatch(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWATCH_")}
    return subprocess.run(
        [*CLI, *args, "--reports-dir", str(tmp_path / "reports")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "GATEWATCH_API_KEY": "key-a", "GATEWATCH_SECOND_API_KEY": "key-b"},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "command", [("contract",), ("probe", "--once"), ("load", "--duration", "5s")], ids=lambda c: c[0]
)
def test_a_base_url_without_the_prefix_exits_2_naming_the_one_to_try(
    sim: Simulator, tmp_path: Path, command: tuple[str, ...]
) -> None:
    assert sim.base_url.endswith("/api")
    wrong = sim.base_url.removesuffix("/api")
    out = gatewatch(tmp_path, *command, "--base-url", wrong)
    assert out.returncode == 2, out.stdout + out.stderr
    lines = [line for line in (out.stdout + out.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert f"try {sim.base_url}," in lines[0] and lines[0].startswith("gatewatch: ")
    assert "Traceback" not in out.stderr


def test_the_right_base_url_still_passes(sim: Simulator, tmp_path: Path) -> None:
    out = gatewatch(tmp_path, "probe", "--once", "--channel", "SMS", "--base-url", sim.base_url)
    assert out.returncode == 0, out.stdout + out.stderr
