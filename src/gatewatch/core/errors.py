"""The exceptions gatewatch raises, and the exit code each maps to.

::

    GatewatchError
    ├── ConfigError          exit 2: a bad targets file, flag, secret or contract
    │   ├── ContractError    contracts/ is malformed or inconsistent
    │   ├── ProductionRefused  traffic to a production target without --allow-production
    │   ├── KeyRejected      the target answered 401 to the configured key
    │   └── NotAllowed       the target answered 403: this machine is not on the allow-list
    └── TargetUnreachable    exit 3: the target could not be reached
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The documented exit codes of every gatewatch command."""

    OK = 0
    TARGET_FAILED = 1
    USAGE = 2
    UNREACHABLE = 3


class GatewatchError(Exception):
    """Base of every error gatewatch raises on purpose."""

    exit_code: ExitCode = ExitCode.TARGET_FAILED


class ConfigError(GatewatchError):
    """A configuration, usage or contract error: names the file, the key and what was expected."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        where = ": ".join(part for part in (file, key) if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.file = file
        self.key = key


class ContractError(ConfigError):
    """contracts/ cannot be loaded or contradicts itself."""


class ProductionRefused(ConfigError):
    """A command would send messages or load to a production target without permission."""


class KeyRejected(ConfigError):
    """The target refused the configured key (401): a configuration problem, not a contract one."""


class NotAllowed(ConfigError):
    """The target refused this machine (403, an IP outside the account's allow-list)."""


class TargetUnreachable(GatewatchError):
    """The target did not answer (connection refused, DNS failure, timeout, dropped connection).

    `connected` is False when no connection was made at all: the target is down or absent,
    as opposed to a connection it opened and then dropped or left unanswered.
    """

    exit_code = ExitCode.UNREACHABLE

    def __init__(self, message: str, *, connected: bool = False) -> None:
        super().__init__(message)
        self.connected = connected
