"""`gatewatch run`: the contract suite, a short gated load test and a probe per channel.

Against the embedded simulator by default, or any --target / --base-url. Exit 0 only when
every part that ran passed; otherwise the documented code of the part that says most.
"""

from __future__ import annotations

import click

from gatewatch.cli.options import options_command
from gatewatch.core import interrupts
from gatewatch.core.options.run import RunOptions
from gatewatch.pipeline import plan, run_all
from gatewatch.pipeline.progress import Progress


@options_command(RunOptions, name="run")
def command(options: RunOptions) -> int:
    """Run the contract suite, a short gated load test and a probe per channel; one verdict each.

    Reports go to REPORTS_DIR (the suite's, load/, probe/, run/<part>.log) and the page
    REPORTS_DIR/index.html. A production target gets the read-only suite and no load or
    probe unless --allow-production.
    """
    parts = plan(options.target.resolve(), options)
    from gatewatch.report import build_index

    # From here SIGTERM, like Ctrl-C, stops the running part's process tree and ends the
    # run as interrupted (exit 130 or 143) with its summary and page written.
    interrupts.install()
    code, _ = run_all(
        parts,
        options.reports_dir.absolute(),
        progress=Progress([p.name for p in parts]),
        echo=click.echo,
        build_page=build_index,
    )
    return int(code)
