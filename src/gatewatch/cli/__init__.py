"""The gatewatch command line: thin commands that parse options, build config and call the library.

Each subcommand lives in its own module and exposes a click command named ``command``;
this group loads them lazily so ``gatewatch simulate`` does not import Locust.
"""

from __future__ import annotations

import importlib
import signal
import sys

import click

from gatewatch.core import interrupts
from gatewatch.core.errors import ExitCode, GatewatchError

_SUBCOMMANDS = {
    "simulate": "gatewatch.cli.simulate",
    "contract": "gatewatch.cli.contract",
    "load": "gatewatch.cli.load",
    "probe": "gatewatch.cli.probe",
    "probe-rules": "gatewatch.cli.probe_rules",
    "report": "gatewatch.cli.report",
    "run": "gatewatch.cli.run",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = _SUBCOMMANDS.get(cmd_name)
        if module is None:
            return None
        try:
            loaded = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                return None  # a command still being built is absent, not a traceback
            raise
        command: click.Command = loaded.command
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gatewatch")
def cli() -> None:
    """Contract tests, load tests and a synthetic probe for the partner gateway's status API.

    Exit codes: 0 pass, 1 the target failed, 2 usage or configuration error,
    3 the target could not be reached.
    """


def _show_usage_error(exc: click.ClickException) -> None:
    """A bad flag value in one line naming the flag, like the values gatewatch checks itself.

    Other usage errors (an unknown flag, a missing argument) keep click's usage text.
    """
    if isinstance(exc, click.BadParameter):
        click.echo(f"gatewatch: {exc.format_message()}", err=True)
    else:
        exc.show()


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and map gatewatch errors to documented exit codes."""
    try:
        code = cli.main(args=argv, prog_name="gatewatch", standalone_mode=False)
    except click.exceptions.Abort as exc:
        # click turns a KeyboardInterrupt (and so an `interrupts.Interrupted`) into Abort.
        if isinstance(exc.__cause__, KeyboardInterrupt):
            click.echo("gatewatch: interrupted", err=True)
            sys.exit(interrupts.exit_code(interrupts.received() or signal.SIGINT))
        click.echo("aborted", err=True)
        sys.exit(ExitCode.USAGE)
    except click.ClickException as exc:
        _show_usage_error(exc)
        sys.exit(ExitCode.USAGE)
    except GatewatchError as exc:
        click.echo(f"gatewatch: {exc}", err=True)
        signum = interrupts.received()
        sys.exit(exc.exit_code if signum is None else interrupts.exit_code(signum))
    except KeyboardInterrupt:
        click.echo("gatewatch: interrupted", err=True)
        sys.exit(interrupts.exit_code(interrupts.received() or signal.SIGINT))
    except Exception as exc:
        from gatewatch.core.config import DEBUG_ENV, debug_frames

        signum = interrupts.received()
        if signum is not None:
            # After a signal, whatever broke on the way out (a file cut mid-write) is its
            # consequence, not the cause: the run was interrupted.
            click.echo(f"gatewatch: interrupted ({type(exc).__name__} on the way out)", err=True)
            sys.exit(interrupts.exit_code(signum))
        if debug_frames():
            raise
        click.echo(
            f"gatewatch: internal error: {type(exc).__name__}: {exc} "
            f"(a bug in gatewatch; {DEBUG_ENV}=1 shows the traceback)",
            err=True,
        )
        sys.exit(ExitCode.USAGE)
    signum = interrupts.received()
    if signum is not None:
        # The command stopped its children and wrote what it had; the code says why it ended.
        sys.exit(interrupts.exit_code(signum))
    sys.exit(code if isinstance(code, int) else ExitCode.OK)
