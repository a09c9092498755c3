"""API keys: read from the environment or a secrets file, never from a flag's value.

This is the one module that reads secrets. A key is wrapped in `Secret`, whose repr and str
never show its text, so a key cannot leak into a log or report by accident; `redact`
scrubs any text that might still carry one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from gatewatch.errors import ConfigError

REDACTED = "***"
# How a file variant of any key variable is named: GATEWATCH_API_KEY_FILE holds a path.
FILE_SUFFIX = "_FILE"


class Secret:
    """A secret string that shows as *** everywhere except through `reveal()`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not value or value != value.strip():
            raise ConfigError("an API key must be non-empty with no surrounding white space")
        self._value = value

    def reveal(self) -> str:
        """The key's text, for the one place that puts it on the wire."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED})"

    def __str__(self) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def read_secret(variable: str, environ: Mapping[str, str] | None = None) -> Secret | None:
    """The key in $variable, or in the file named by $variable_FILE; None when neither is set."""
    env = os.environ if environ is None else environ
    value = env.get(variable)
    if value:
        return Secret(value.strip())
    file_name = env.get(variable + FILE_SUFFIX)
    if not file_name:
        return None
    path = Path(file_name)
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the secrets file: {exc.strerror}",
            file=str(path),
            key=variable + FILE_SUFFIX,
        ) from None
    if not text:
        raise ConfigError("the secrets file is empty", file=str(path), key=variable + FILE_SUFFIX)
    return Secret(text)


def redact(text: str, secrets: Iterable[Secret | None]) -> str:
    """`text` with every secret's text and every bearer credential replaced by ***."""
    for secret in secrets:
        if secret is not None:
            text = text.replace(secret.reveal(), REDACTED)
    return _BEARER.sub(rf"\1{REDACTED}", text)


_BEARER = re.compile(r"(?i)(bearer\s+)(?!\*\*\*)[^\s'\"]+")
