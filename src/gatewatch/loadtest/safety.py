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
from pathlib import Path

from gatewatch.config import Target, resolve_target
from gatewatch.contract import Contract
from gatewatch.errors import ConfigError

WHAT = "run a load test"


def check_load_allowed(target: Target, *, allow_production: bool, allow_remote: bool) -> None:
    """Raise ProductionRefused unless the rules above allow load on `target`."""
    target.require_traffic_allowed(allow_production, WHAT)
    if not allow_remote:
        try:
            target.require_loopback("the load test")
        except ConfigError as exc:
            raise type(exc)(f"{exc} (pass --allow-remote to load another host)") from None


def load_target(
    *,
    contract: Contract,
    host: str | None,
    target_name: str | None,
    config_file: str | Path | None,
    api_key_env: str | None,
    allow_production: bool,
    allow_remote: bool,
    rate_limit: str | None = None,
) -> Target:
    """The target a Locust process loads (from --host and the targets file), checked."""
    if not host:
        raise ConfigError("the load test needs the target's base URL", key="--host")
    target = resolve_target(
        config_file=Path(config_file) if config_file else None,
        target_name=target_name,
        base_url=host,
        contract=contract,
        rate_limit=rate_limit,
    )
    if api_key_env:
        target = replace(target, api_key_env=api_key_env)
    check_load_allowed(target, allow_production=allow_production, allow_remote=allow_remote)
    return target
