"""`gatewatch load`'s options, and the Locust plugin's (--gatewatch-NAME), declared together.

`gatewatch load` takes some (users, duration, the locustfile) as Locust's own flags,
and hands the rest to every Locust process as the plugin's options (`as_args(LOCUST)`);
a plain `locust -f load/locustfile.py` run takes the same plugin options, from flags,
GATEWATCH_LOAD_NAME variables or locust.conf.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gatewatch.core.config import DEFAULT_REPORTS_DIR
from gatewatch.core.options.declare import (
    CLI_ONLY,
    SAFETY,
    Option,
    Surface,
    ValueKind,
    declared_field,
    option,
)
from gatewatch.core.options.target import TargetRunOptions
from gatewatch.core.reports_layout import ReportsLayout

# The load test's defaults, here with their flags; the load test reads them from here.
#: How late the open model may start a request before it counts as lag, and the cap on
#: requests in flight per process.
DEFAULT_MAX_LAG_S = 0.1
DEFAULT_MAX_IN_FLIGHT = 50
#: The request mix, in the form `loadtest.kinds.parse_mix` reads.
DEFAULT_MIX_TEXT = "known=70,other_channel=10,unknown=10,batch=10"
#: The gates, relative to where the load test runs (or the checkout, or the wheel's copy).
DEFAULT_SLO_FILE = "load/slo.yaml"

LOCUST_ONLY = frozenset({Surface.LOCUST})
ALLOW_REMOTE = Option(
    name="allow-remote",
    group=SAFETY,
    kind=ValueKind.FLAG,
    default=False,
    env=False,  # like --allow-production, a decision per run
    help="Allow load on a host other than 127.0.0.1 (refused otherwise, even with --allow-production).",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadOptions(TargetRunOptions):
    """The options of one load test: the command's, and what each Locust process is told."""

    SURFACES = frozenset({Surface.CLI, Surface.LOCUST})

    allow_remote: bool = declared_field(ALLOW_REMOTE)
    users: int | None = option(
        name="users",
        short="-u",
        kind=ValueKind.INT,
        low=1,
        surfaces=CLI_ONLY,
        help="Users (default: 10; open model: one per process).",
    )
    spawn_rate: float | None = option(
        name="spawn-rate",
        short="-r",
        kind=ValueKind.FLOAT,
        low=0,
        low_open=True,
        surfaces=CLI_ONLY,
        help="Users started per second.",
    )
    duration: str = option(
        name="duration",
        short="-t",
        default="60s",
        surfaces=CLI_ONLY,
        help="Run time: seconds, or 90s, 5m, 1h30m.",
    )
    processes: int = option(
        name="processes",
        kind=ValueKind.INT,
        default=0,
        low=0,
        surfaces=CLI_ONLY,
        help="Locust worker processes on this machine (0: a single process).",
    )
    arrival_rate: float = option(
        name="arrival-rate",
        kind=ValueKind.FLOAT,
        default=0.0,
        low=0,
        high=1e6,
        show_default=False,
        help="Open model: requests started per second in total, whatever the response time "
        "(0: closed model).",
    )
    max_in_flight: int = option(
        name="max-in-flight",
        kind=ValueKind.INT,
        default=DEFAULT_MAX_IN_FLIGHT,
        low=1,
        high=10_000,
        help="Open model: requests in flight per user.",
    )
    ramp: bool = option(
        name="ramp-past-limit",
        kind=ValueKind.FLAG,
        default=False,
        help="Open model: ramp the arrival rate from 0.5x to 1.5x the target's per-second rate limit "
        "(--rate-limit or the target's) and gate where throttling starts (throttle_onset_min_fraction).",
    )
    mix: str = option(
        name="mix",
        default=DEFAULT_MIX_TEXT,
        help="ValueKind weights, e.g. known=70,other_channel=10,unknown=10,batch=10.",
    )
    validate_sample: float = option(
        name="validate-sample",
        kind=ValueKind.FLOAT,
        default=0.1,
        low=0,
        high=1,
        help="Share of answers validated with every contract check.",
    )
    slo_file: Path | None = option(
        name="slo",
        kind=ValueKind.FILE,
        help=f"The gates (default ./{DEFAULT_SLO_FILE}, else the source checkout's).",
    )
    locustfile: Path | None = option(
        name="locustfile",
        kind=ValueKind.FILE,
        surfaces=CLI_ONLY,
        help="A locustfile to run instead of the packaged one (e.g. load/locustfile.py).",
    )
    locust_args: tuple[str, ...] = option(
        name="locust_args",
        kind=ValueKind.REST,
        default=(),
        surfaces=CLI_ONLY,
        help="Passed to Locust unchanged.",
    )
    # What only the Locust processes are told.
    # The load test's own folder (a reports folder's load/), so not --gatewatch-reports-dir,
    # which names the reports folder itself everywhere else.
    load_dir: str = option(
        name="load-dir",
        default=str(ReportsLayout(DEFAULT_REPORTS_DIR).load_dir),
        surfaces=LOCUST_ONLY,
        help="Where the load summary, histograms and gates are written.",
    )
    known_ids: int = option(
        name="known-ids",
        kind=ValueKind.INT,
        default=24,
        low=1,
        high=1000,
        surfaces=LOCUST_ONLY,
        help="Messages each load process sends in its setup phase.",
    )
    batch_size: int = option(
        name="batch-size",
        kind=ValueKind.INT,
        default=10,
        low=1,
        high=1000,
        surfaces=LOCUST_ONLY,
        help="Ids per batch lookup (known ids of one channel plus 2 unknown).",
    )
    think_time_s: float = option(
        name="think-time",
        kind=ValueKind.FLOAT,
        default=0.1,
        low=0,
        high=3600,
        surfaces=LOCUST_ONLY,
        help="Closed model: mean pause of a user between requests, seconds.",
    )
    max_lag_s: float = option(
        name="max-lag-s",
        kind=ValueKind.FLOAT,
        default=DEFAULT_MAX_LAG_S,
        low=0.001,
        high=60,
        surfaces=LOCUST_ONLY,
        help="Open model: how late a start may be made before it is dropped.",
    )
    warmup_s: float | None = option(
        name="warmup-s",
        kind=ValueKind.FLOAT,
        low=0,
        high=86_400,
        surfaces=LOCUST_ONLY,
        help="Seconds not gated at the start (default: warmup_s of the SLO file).",
    )
    run_id: str = option(
        name="run-id",
        default="",
        surfaces=LOCUST_ONLY,
        help="An id copied into the summary (gatewatch load sets it).",
    )

    @property
    def open_model(self) -> bool:
        """True for an arrival rate or a ramp: requests start on a schedule."""
        return self.arrival_rate > 0 or self.ramp

    @property
    def user_count(self) -> int:
        """Closed model: 10 users by default; open model: one dispatcher per process."""
        if self.users is not None:
            return self.users
        return max(1, self.processes) if self.open_model else 10
