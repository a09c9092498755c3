"""An exported key is for a real target: every command on the embedded simulator uses the simulator's.

Issue 12: with GATEWATCH_API_KEY exported, `contract` used the simulator's key while
`load` and `probe` sent the environment's and were refused (exit 2).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-c", "from gatewatch.cli import main; main()"]
TIMEOUT_S = 300


def exported(tmp_path: Path, how: str) -> dict[str, str]:
    """The user's environment with a key of theirs exported (the simulator knows nothing of it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWATCH_")}
    if how == "variable":
        return {**env, "GATEWATCH_API_KEY": "x", "GATEWATCH_SECOND_API_KEY": "y"}
    key_file = tmp_path / "key"
    key_file.write_text("a-real-targets-key\n")
    return {**env, "GATEWATCH_API_KEY_FILE": str(key_file)}


def gatewatch(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args, "--reports-dir", str(tmp_path / "reports")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=TIMEOUT_S,
        check=False,
    )


HOW = ["variable", "file"]


@pytest.mark.parametrize("how", HOW)
def test_probe(tmp_path: Path, how: str) -> None:
    out = gatewatch(tmp_path, exported(tmp_path, how), "probe", "--once")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "outcome=delivered " in out.stdout


@pytest.mark.parametrize("how", HOW)
def test_contract(tmp_path: Path, how: str) -> None:
    # A few of the suite's tests: the key is what matters here, not the whole suite.
    out = gatewatch(tmp_path, exported(tmp_path, how), "contract", "-k", "unknown_ids or other_company")
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("how", HOW)
def test_load(tmp_path: Path, how: str) -> None:
    # Seven seconds: the gates need every kind of request measured after the 2 s warm-up.
    out = gatewatch(tmp_path, exported(tmp_path, how), "load", "--duration", "7s")
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow
def test_run(tmp_path: Path) -> None:
    out = gatewatch(tmp_path, exported(tmp_path, "variable"), "run", "--load-duration", "7s")
    assert out.returncode == 0, out.stdout + out.stderr
    for part in ("contract", "load", "probe"):
        assert f"{part:<9} passed" in out.stdout, out.stdout
