r"""API keys: read from the environment or a secrets file, never from a flag's value.

This is the one module that reads secrets. A key is wrapped in `Secret`, whose repr and str
never show its text, so a key cannot leak into a log or report by accident; `redact`
scrubs any text that might still carry one (`redact_bytes` any body), in every form a
server could echo it: as sent, percent-encoded, JSON- or HTML-escaped, and base64 as in a
Basic credential.

A key is redacted only where it stands as a whole word: not preceded or followed by a
letter, digit, `_` or `-` (with the key `x`, "Max retries exceeded" stays as it is; the
key `abc123` in `"X-Api-Key": "abc123"` or `key=abc123&` goes). A character that ends an
escape (`%2F`, `\n`, `\u0022`) counts as a boundary, so an escaped separator before the
key does not shield it.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import quote, quote_plus

from gatewatch.core.errors import ConfigError

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

    def forms(self) -> tuple[str, ...]:
        """The key's text in every form a server might echo it, longest first."""
        value = self._value
        found = {
            value,
            quote(value, safe=""),
            quote_plus(value, safe=""),
            json.dumps(value)[1:-1],
            json.dumps(value, ensure_ascii=False)[1:-1],
            html.escape(value),
            base64.b64encode(value.encode()).decode("ascii"),
            basic_credential(value),
        }
        return tuple(sorted(found, key=lambda form: (-len(form), form)))


def basic_credential(key: str) -> str:
    """The Basic credential of `key` (`user:password`, or a key with no colon as the user): base64."""
    user, _, password = key.partition(":")
    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


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
    """`text` with every secret (in any of its forms, as a whole word) and bearer credential as ***."""
    pattern = _pattern(tuple(s for s in secrets if s is not None))
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    return _BEARER.sub(rf"\1{REDACTED}", text)


def redact_bytes(data: bytes, secrets: Iterable[Secret | None]) -> bytes:
    """`data` (a body, in any encoding) with every secret's forms replaced by ***, other bytes kept."""
    pattern = _pattern(tuple(s for s in secrets if s is not None))
    if pattern is None:
        return data
    # Latin-1 maps each byte to one character and back, so a body that is not UTF-8 keeps
    # its bytes; a key's UTF-8 bytes, read the same way, match wherever they appear.
    return pattern.sub(REDACTED, data.decode("latin-1")).encode("latin-1")


# What may not touch a key for it to count as a whole word.
_WORD = "A-Za-z0-9_-"
# ... unless it ends an escape: %2F, \n, \u0022.
_ESCAPE_END = r"(?<=%[0-9A-Fa-f]{2})|(?<=\\[nrtbf])|(?<=\\u[0-9A-Fa-f]{4})"


@functools.lru_cache(maxsize=64)
def _pattern(secrets: tuple[Secret, ...]) -> re.Pattern[str] | None:
    forms: set[str] = set()
    for secret in secrets:
        for form in secret.forms():
            forms.add(form)
            # A body is matched as Latin-1 text (redact_bytes): a non-ASCII key's UTF-8 bytes.
            forms.add(form.encode().decode("latin-1"))
    if not forms:
        return None
    alternatives = "|".join(_escaped(f) for f in sorted(forms, key=lambda f: (-len(f), f)))
    return re.compile(rf"(?:(?<![{_WORD}])|{_ESCAPE_END})(?:{alternatives})(?![{_WORD}])")


def _escaped(form: str) -> str:
    # A server may write a percent-escape's hex digits in either case.
    return re.sub(
        r"%([0-9A-F])([0-9A-F])",
        lambda m: f"%[{m[1]}{m[1].lower()}][{m[2]}{m[2].lower()}]",
        re.escape(form),
    )


_BEARER = re.compile(r"(?i)(bearer\s+)(?!\*\*\*)[^\s'\"]+")
