"""`gatewatch probe-rules`: the probe's SLO recording rules and burn-rate alerts, from an SLO file."""

from __future__ import annotations

from pathlib import Path

import click

from gatewatch.cli.options import options_command
from gatewatch.contract import default_contract
from gatewatch.core.errors import ConfigError, ExitCode
from gatewatch.core.options.probe_rules import SHIPPED_SLO, ProbeRulesOptions
from gatewatch.core.shipped import shipped_file
from gatewatch.probe.alert_rules import generate
from gatewatch.probe.slo import load_slo


@options_command(ProbeRulesOptions, name="probe-rules")
def command(options: ProbeRulesOptions) -> int:
    """Write Prometheus rules for the probe's SLOs (load them beside synthetic/alerts.yml).

    Exit 0 when written, 2 when the SLO file is missing or wrong.
    """
    slo = options.slo or Path(shipped_file(SHIPPED_SLO))
    rules = generate(load_slo(slo), default_contract(), slo_name=slo.name)
    if options.out is None:
        click.echo(rules, nl=False)
        return int(ExitCode.OK)
    try:
        options.out.write_text(rules, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write it: {exc.strerror or exc}", file=str(options.out)) from None
    click.echo(str(options.out))
    return int(ExitCode.OK)
