"""Reading untrusted report files: JSON and CSV parsed into plain values or records, or `Unreadable` with why.

Every reader of a reports folder goes through these, so a malformed file becomes one
line on the page ("could not read X: why") rather than a traceback. The engines' own
files are read as their records (`gatewatch.core.records`): fields of the wrong type read as
None (the page shows "-") and are named in one line; only a file whose overall shape or
version is wrong is unreadable.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from gatewatch.core.records import Decoded, RecordError, decode
from gatewatch.core.records.codec import Record

R = TypeVar("R", bound=Record)


class Unreadable(Exception):
    """A reports file that exists but cannot be used; the message says why, in a few words."""


def read_text(path: Path) -> str:
    """The file's text (UTF-8), or Unreadable with the reason."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise Unreadable(exc.strerror or type(exc).__name__) from None


def read_json(path: Path) -> Any:
    """The file parsed as JSON, or Unreadable with the line and column of the error."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unreadable(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def read_object(path: Path) -> Mapping[str, Any]:
    """The file parsed as a JSON object."""
    doc = read_json(path)
    if not isinstance(doc, dict):
        raise Unreadable(f"expected a JSON object, found {_kind(doc)}")
    return doc


def read_record(path: Path, cls: type[R]) -> Decoded[R]:
    """The file read as a `cls` record (and the fields that read as None), or Unreadable naming the field."""
    try:
        return decode(cls, read_object(path))
    except RecordError as exc:
        raise Unreadable(str(exc)) from None


def read_csv(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    """The rows of a CSV file with a header line that has every column in `required`."""
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise Unreadable(f"not CSV: {exc}") from None
    missing = [name for name in required if name not in (reader.fieldnames or ())]
    if missing:
        raise Unreadable(f"no column {', '.join(repr(m) for m in missing)} in the header")
    return rows


def obj(value: object) -> Mapping[str, Any]:
    """`value` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def seq(value: object) -> Sequence[Any]:
    """`value` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def text(value: object) -> str | None:
    """`value` if it is a string."""
    return value if isinstance(value, str) else None


def number(value: object) -> float | None:
    """`value` as a float if it is a JSON number (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def integer(value: object) -> int | None:
    """`value` if it is a whole JSON number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def csv_number(value: str | None) -> float | None:
    """A CSV cell as a float; None for Locust's "N/A" and anything else that is not a number."""
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def epoch(value: object) -> float | None:
    """An RFC 3339 timestamp as epoch seconds (UTC assumed when it has no offset)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"
