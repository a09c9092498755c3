"""Running the contract suite as users do: `gatewatch contract` in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatewatch.core.options.simulate import SimulateOptions

CLI = [sys.executable, "-c", "from gatewatch.cli import main; main()"]
SIMULATOR_KEYS = {"GATEWATCH_API_KEY": "key-a", "GATEWATCH_SECOND_API_KEY": "key-b"}
RUN_TIMEOUT_S = 240
# Fast enough to keep a run short, slow enough for the suite's burst (2 x 100) to trip it.
TEST_RATE_LIMIT = "6000/min,100/s"
RATE_LIMIT_RULES = {"rate_limit_enforced", "rate_limit_body", "rate_limit_headers", "throttled_below_limit"}
# A conforming gateway's transient 500s: every 50th answer (the simulator spreads them
# evenly, so a retry never meets another), so server_error_retried is judged too.
TRANSIENT_500S = ["--error-rate", "0.02"]
#: A simulator started by a test accepts the suite's plain-http receiver on 127.0.0.1 (as the
#: embedded one does), so the delivery webhooks are tested.
LOCAL_WEBHOOKS = SimulateOptions(allow_http_webhooks=True).as_args()


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

    def reason(self, rule: str) -> str:
        return str(self.summary["rules"][rule]["reason"])


def not_exercised(run: SuiteRun) -> dict[str, str]:
    """The rules the run did not judge, with the reason the report gives (empty: every rule judged)."""
    return {rule: run.reason(rule) for rule in sorted(run.rules("skipped"))}


def assert_every_rule_exercised(run: SuiteRun) -> None:
    """Fail unless the run judged every rule of its contract (the bookkeeping is the evidence)."""
    missing = not_exercised(run)
    assert not missing, f"rules not exercised: {missing}"


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
