"""`gatewatch load`: the lookup load test with SLO gates, Locust headless in a child process.

Exit codes: 0 every gate passed, 1 a gate failed, 2 a usage or configuration error
(production or a non-loopback host refused, a key the target refuses, this machine not
on the allow-list, --ramp-past-limit without a known limit), 3 the target could not be
reached.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click

from gatewatch import interrupts
from gatewatch.cli.options import (
    GroupedCommand,
    production_option,
    reports_option,
    target_options,
)
from gatewatch.errors import ConfigError
from gatewatch.loadtest.runner import (
    PACKAGED_LOCUSTFILE,
    LoadPlan,
    contract_choice,
    parse_duration,
    run_load,
)
from gatewatch.loadtest.settings import DEFAULT_SLO_FILE, default_slo_file
from gatewatch.options import TargetOptions
from gatewatch.reports_layout import ReportsLayout


@click.command(name="load", cls=GroupedCommand)
@target_options
@reports_option
@production_option
@click.option(
    "--allow-remote",
    is_flag=True,
    default=False,
    help="Allow load on a host other than 127.0.0.1 (refused otherwise, even with --allow-production).",
)
@click.option(
    "-u",
    "--users",
    type=click.IntRange(min=1),
    default=None,
    help="Users (default: 10; open model: one per process).",
)
@click.option(
    "-r",
    "--spawn-rate",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Users started per second.",
)
@click.option(
    "-t", "--duration", default="60s", show_default=True, help="Run time: seconds, or 90s, 5m, 1h30m."
)
@click.option(
    "--processes",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Locust worker processes on this machine (0: a single process).",
)
@click.option(
    "--arrival-rate",
    type=click.FloatRange(min=0),
    default=0.0,
    help="Open model: requests started per second in total, whatever the response time (0: closed model).",
)
@click.option(
    "--max-in-flight",
    type=click.IntRange(min=1),
    default=None,
    help="Open model: requests in flight per user.",
)
@click.option(
    "--ramp-past-limit",
    "ramp",
    is_flag=True,
    default=False,
    help="Open model: ramp the arrival rate from 0.5x to 1.5x the target's per-second rate limit "
    "(--rate-limit or the target's) and gate where throttling starts (throttle_onset_min_fraction).",
)
@click.option("--mix", default=None, help="Kind weights, e.g. known=70,other_channel=10,unknown=10,batch=10.")
@click.option(
    "--validate-sample",
    type=click.FloatRange(0, 1),
    default=None,
    help="Share of answers validated with every contract check (default 0.1).",
)
@click.option(
    "--slo",
    "slo_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help=f"The gates (default ./{DEFAULT_SLO_FILE}, else the source checkout's).",
)
@click.option(
    "--locustfile",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="A locustfile to run instead of the packaged one (e.g. load/locustfile.py).",
)
@click.argument("locust_args", nargs=-1, type=click.UNPROCESSED)
def command(
    where: TargetOptions,
    reports_dir: Path,
    allow_production: bool,
    allow_remote: bool,
    users: int | None,
    spawn_rate: float | None,
    duration: str,
    processes: int,
    arrival_rate: float,
    max_in_flight: int | None,
    ramp: bool,
    mix: str | None,
    validate_sample: float | None,
    slo_file: Path | None,
    locustfile: Path | None,
    locust_args: tuple[str, ...],
) -> int:
    """Load the status lookups and gate the release on the SLOs.

    With no --target or --base-url the embedded simulator is started. Reports go to
    REPORTS_DIR/load/ (summary.json, Locust's CSV files and HTML report). Arguments after
    -- go to Locust unchanged. A 429 is recorded as its kind's throttled row (not a
    failure) and gated by max_throttled_ratio; the users never wait one out.
    """
    if importlib.util.find_spec("locust") is None:
        raise ConfigError("the load test needs Locust, an optional part: pip install 'gatewatch[load]'")
    run = where.resolve()
    contract, target = run.contract, run.target
    config_file = where.config_file
    plan = LoadPlan(
        users=users,
        spawn_rate=spawn_rate,
        duration_s=parse_duration(duration),
        processes=processes,
        arrival_rate=arrival_rate,
        max_in_flight=max_in_flight,
        mix=mix,
        validate_sample=validate_sample,
        slo_file=Path(slo_file or default_slo_file()).absolute(),
        reports_dir=ReportsLayout(reports_dir).load_dir.absolute(),
        locustfile=(locustfile or PACKAGED_LOCUSTFILE).absolute(),
        locust_args=locust_args,
        target_name=where.target_name,
        config_file=config_file.absolute() if config_file else None,
        contracts=contract_choice(contract),
        skip_rules=where.skip_rules,
        rate_limit=str(target.rate_limit),
        ramp=ramp,
        api_key_env=where.api_key_env,
        allow_production=allow_production,
        allow_remote=allow_remote,
    )
    # From here a SIGTERM, like Ctrl-C, stops Locust (which then judges what it measured) and
    # the embedded simulator instead of leaving them running.
    interrupts.install()
    return run_load(plan, target, contract)
