"""`gatewatch run`: the contract suite, a short gated load test and a probe per channel.

Against the embedded simulator by default, or any --target / --base-url. Exit 0 only when
every part that ran passed; otherwise the documented code of the part that says most.
"""

from __future__ import annotations

from pathlib import Path

import click

from gatewatch import interrupts
from gatewatch.cli.options import (
    GroupedCommand,
    production_option,
    reports_option,
    target_options,
)
from gatewatch.durations import parse_duration
from gatewatch.options import TargetOptions
from gatewatch.pipeline import RunOptions, plan, run_all
from gatewatch.pipeline.plan import PARTS, choose
from gatewatch.pipeline.progress import Progress
from gatewatch.suite.profiles import PROFILES


@click.command(name="run", cls=GroupedCommand)
@target_options
@reports_option
@production_option
@click.option(
    "--only", default=None, metavar="PARTS", help=f"Run only these parts: some of {','.join(PARTS)}."
)
@click.option("--skip", default=None, metavar="PARTS", help="Leave these parts out.")
@click.option("--allow-remote", is_flag=True, help="Allow the load part on a host other than 127.0.0.1.")
@click.option(
    "--profile",
    type=click.Choice(sorted(PROFILES)),
    default="ci",
    show_default=True,
    help="The suite's profile.",
)
@click.option("--seed", type=int, default=None, help="Replay the suite's run: the seed it printed.")
@click.option("--load-duration", default="15s", show_default=True, help="How long the load part runs.")
def command(
    where: TargetOptions,
    reports_dir: Path,
    allow_production: bool,
    only: str | None,
    skip: str | None,
    allow_remote: bool,
    profile: str,
    seed: int | None,
    load_duration: str,
) -> int:
    """Run the contract suite, a short gated load test and a probe per channel; one verdict each.

    Reports go to REPORTS_DIR (the suite's, load/, probe/, run/<part>.log) and the page
    REPORTS_DIR/index.html. A production target gets the read-only suite and no load or
    probe unless --allow-production.
    """
    run = where.resolve()
    options = RunOptions(
        target_args=tuple(where.as_args()),
        reports_dir=reports_dir.absolute(),
        only=choose(only, skip),
        allow_production=allow_production,
        allow_remote=allow_remote,
        profile=profile,
        seed=seed,
        load_duration_s=parse_duration(load_duration, key="--load-duration"),
    )
    parts = plan(run, options)
    from gatewatch.report import build_index

    # From here SIGTERM, like Ctrl-C, stops the running part's process tree and ends the
    # run as interrupted (exit 130 or 143) with its summary and page written.
    interrupts.install()
    code, _ = run_all(
        parts,
        options.reports_dir,
        progress=Progress([p.name for p in parts]),
        echo=click.echo,
        build_page=build_index,
    )
    return int(code)
