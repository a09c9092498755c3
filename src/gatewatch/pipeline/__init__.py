"""`gatewatch run`: the contract suite, a short gated load test and a probe per channel, in one go.

Each part runs as its own `gatewatch <part>` process with the run's target flags (a
process per part keeps Locust's gevent patching and pytest's state apart, and lets a
hung part be stopped by its pid), its output kept in `REPORTS_DIR/run/<part>.log` and its
progress (`gatewatch.core.progress_feed`, `REPORTS_DIR/run/<part>.progress.jsonl`) shown live.
The parts are planned by a pure function of the target and the flags (`plan`), and the
verdict is a pure function of their exit codes (`overall_exit`); at the end the run's
summary (`REPORTS_DIR/run/summary.json`) is written and the report page rebuilt. SIGINT or
SIGTERM stops the running part's process tree and ends the run as interrupted (130, 143).

    plan      which parts run, and why a part is not run (production, remote, dry run)
    execute   one part's process: argv, output copied to its log, timeout, stop its tree by pid
    progress  the live view (a rich table on a terminal, heartbeat lines otherwise)
    failures  what a failed part found, from its files (failed rules, gates, probe outcomes)
    verdict   a part's outcome from its exit code, and the run's exit code
"""

from __future__ import annotations

from gatewatch.pipeline.plan import PARTS, PartPlan, RunOptions, plan
from gatewatch.pipeline.runner import run_all
from gatewatch.pipeline.verdict import PartResult, overall_exit

__all__ = ["PARTS", "PartPlan", "PartResult", "RunOptions", "overall_exit", "plan", "run_all"]
