"""Where load may go: the safety rules every load entry point applies before sending anything.

1. Load goes only to 127.0.0.1 (or localhost, ::1) unless ``--allow-remote`` is given.
   ``--allow-production`` alone does not lift this: the two are separate decisions.
2. A target whose kind is production also needs ``--allow-production``.

``gatewatch load`` checks both before it starts Locust; the Locust plugin checks them
again in every process (so a plain ``locust -f load/locustfile.py`` run is held to them
too) before its setup phase sends a message.
"""

from __future__ import annotations

from dataclasses import replace

from gatewatch.core.config import Run, Target
from gatewatch.core.errors import ConfigError
from gatewatch.core.options.load import LoadOptions

WHAT = "run a load test"


def check_load_allowed(target: Target, *, allow_production: bool, allow_remote: bool) -> None:
    """Raise ProductionRefused unless the rules above allow load on `target`."""
    target.require_traffic_allowed(allow_production, WHAT)
    if not allow_remote:
        try:
            target.require_loopback("the load test")
        except ConfigError as exc:
            raise type(exc)(f"{exc} (pass --allow-remote to load another host)") from None


def load_run(options: LoadOptions, host: str | None) -> Run:
    """The run a Locust process loads: its target flags with --host as the base URL, checked."""
    if not host:
        raise ConfigError("the load test needs the target's base URL", key="--host")
    run = replace(options.target, base_url=host).resolve()
    check_load_allowed(
        run.target, allow_production=options.allow_production, allow_remote=options.allow_remote
    )
    return run
