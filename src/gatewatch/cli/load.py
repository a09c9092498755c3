"""`gatewatch load`: the lookup load test with SLO gates, Locust headless in a child process.

Exit codes: 0 every gate passed, 1 a gate failed, 2 a usage or configuration error
(production or a non-loopback host refused, a key the target refuses, this machine not
on the allow-list, --ramp-past-limit without a known limit), 3 the target could not be
reached.
"""

from __future__ import annotations

import importlib.util

from gatewatch.cli.options import options_command
from gatewatch.core import interrupts
from gatewatch.core.errors import ConfigError
from gatewatch.core.options.load import LoadOptions
from gatewatch.loadtest.runner import load_plan, run_load


@options_command(LoadOptions, name="load")
def command(options: LoadOptions) -> int:
    """Load the status lookups and gate the release on the SLOs.

    With no --target or --base-url the embedded simulator is started. Reports go to
    REPORTS_DIR/load/ (summary.json, Locust's CSV files and HTML report). Arguments after
    -- go to Locust unchanged. A 429 is recorded as its kind's throttled row (not a
    failure) and gated by max_throttled_ratio; the users never wait one out.
    """
    if importlib.util.find_spec("locust") is None:
        raise ConfigError("the load test needs Locust, an optional part: pip install 'gatewatch[load]'")
    run = options.target.resolve()
    plan = load_plan(options, run)
    # From here a SIGTERM, like Ctrl-C, stops Locust (which then judges what it measured) and
    # the embedded simulator instead of leaving them running.
    interrupts.install()
    return run_load(plan, run)
