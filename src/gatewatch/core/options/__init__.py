"""Every command's options, each declared once: the CLI, the plugins and child command lines derive from them.

One frozen dataclass per command (`ContractOptions`, `LoadOptions`, `ProbeOptions`,
`SimulateOptions`, `RunOptions`, `ReportOptions`), its fields declared with their flag,
kind, default, help and group (`declare`). The click commands (`gatewatch.cli.options`),
the pytest plugin (`gatewatch.suite.options`) and the Locust plugin
(`gatewatch.loadtest.settings`) build their parsers from those declarations; `gatewatch
run` and `gatewatch load` write their children's command lines with `as_args`, and the
suite its replay lines with `ContractOptions.replay_line`. The defaults live here and
nowhere else, and `--help` shows them.

    declare    Option, Surface, ValueKind; the `Options` base: declarations, as_args, from_plugin
    target     the target flags every command shares, --reports-dir, --allow-production
    contract   load   probe   simulate   run   report: one module a command
"""

from __future__ import annotations

from gatewatch.core.options.declare import PLUGIN_PREFIX, Declared, Option, Options, Surface, ValueKind
from gatewatch.core.options.target import ALLOW_PRODUCTION, REPORTS_DIR, TargetOptions

__all__ = [
    "ALLOW_PRODUCTION",
    "PLUGIN_PREFIX",
    "REPORTS_DIR",
    "Declared",
    "Option",
    "Options",
    "Surface",
    "TargetOptions",
    "ValueKind",
]
