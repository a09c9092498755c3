"""`gatewatch run`: the contract suite, a short gated load test and a probe per channel, in one go.

Each part runs as its own `gatewatch <part>` process with the run's target flags (a
process per part keeps Locust's gevent patching and pytest's state apart, and lets a
hung part be stopped by its pid), its output kept in `REPORTS_DIR/run/<part>.log` and
folded into one live line per part. The parts are planned by a pure function of the
target and the flags (`plan`), and the verdict is a pure function of their exit codes
(`overall_exit`); at the end the report page is rebuilt.

    plan      which parts run, and why a part is not run (production, remote, dry run)
    execute   one part's process: argv, output streamed to its log, timeout, stop by pid
    progress  the live lines (rich on a terminal, plain heartbeat lines otherwise)
    verdict   a part's outcome from its exit code, and the run's exit code
"""

from __future__ import annotations

from gatewatch.pipeline.plan import PARTS, PartPlan, RunOptions, plan
from gatewatch.pipeline.runner import run_all
from gatewatch.pipeline.verdict import PartResult, overall_exit

__all__ = ["PARTS", "PartPlan", "PartResult", "RunOptions", "overall_exit", "plan", "run_all"]
