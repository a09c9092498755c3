"""`gatewatch run` end to end: a failing part fails the run; an unreachable target stops it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gatewatch.simulator import Simulator, SimulatorConfig

CLI = [sys.executable, "-c", "from gatewatch.cli import main; main()"]


def gatewatch(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_a_broken_gateway_fails_the_run_and_names_the_part(tmp_path: Path) -> None:
    with Simulator(SimulatorConfig(defects=("echo_id_wrong",))) as sim:
        out = gatewatch(
            "run",
            "--base-url",
            sim.base_url,
            "--only",
            "contract,probe",
            "--reports-dir",
            str(tmp_path / "r"),
            cwd=tmp_path,
            env={"GATEWATCH_API_KEY": "key-a", "GATEWATCH_SECOND_API_KEY": "key-b"},
        )
    assert out.returncode == 1, out.stdout + out.stderr
    assert "contract  failed" in out.stdout
    assert "echo_id" in out.stdout  # the suite's own failure lines are shown
    summary = json.loads((tmp_path / "r" / "run" / "summary.json").read_text())
    assert [p["name"] for p in summary["parts"]] == ["contract", "probe"]
    assert summary["exit_code"] == 1
    assert (tmp_path / "r" / "index.html").is_file()
    assert (tmp_path / "r" / "run" / "contract.log").read_text()


def test_an_unreachable_target_is_exit_3_and_the_rest_is_not_run(tmp_path: Path) -> None:
    out = gatewatch(
        "run",
        "--base-url",
        "http://127.0.0.1:9/api",
        "--rate-limit",
        "none",
        "--reports-dir",
        "r",
        cwd=tmp_path,
        env={"GATEWATCH_API_KEY": "key-a"},
    )
    assert out.returncode == 3, out.stdout + out.stderr
    assert "contract  target unreachable" in out.stdout
    assert "load      not run: contract ended with 'target unreachable'" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr
