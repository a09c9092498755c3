"""Running the contract suite as users do: `gatewatch contract` in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-c", "from gatewatch.cli import main; main()"]
SIMULATOR_KEYS = {"GATEWATCH_API_KEY": "key-a", "GATEWATCH_SECOND_API_KEY": "key-b"}
RUN_TIMEOUT_S = 240


@dataclass
class SuiteRun:
    """What one `gatewatch contract` run left: exit code, console, summary."""

    exit_code: int
    output: str
    reports: Path

    @property
    def summary(self) -> dict[str, Any]:
        path = self.reports / "summary.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def rules(self, status: str) -> set[str]:
        return {rule for rule, v in self.summary.get("rules", {}).items() if v["status"] == status}


def run_suite(reports: Path, *args: str, env: dict[str, str] | None = None) -> SuiteRun:
    """`gatewatch contract ARGS --reports-dir REPORTS` as a child process, bounded in time."""
    proc = subprocess.run(
        [*CLI, "contract", *args, "--reports-dir", str(reports)],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        env={**os.environ, **(env if env is not None else SIMULATOR_KEYS)},
        check=False,
    )
    return SuiteRun(proc.returncode, proc.stdout + proc.stderr, reports)
