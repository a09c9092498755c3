"""JSON-lines files (the probe's history, the progress feeds): the one way their lines are parsed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


def json_objects(lines: Iterable[bytes]) -> tuple[list[dict[str, Any]], list[str]]:
    """The JSON objects among `lines`, and a note (numbered from 1) for each other non-blank line.

    A line that does not parse is left out, not fatal: these files are appended to while
    they are read, and a writer killed mid-line leaves half a line behind.
    """
    records: list[dict[str, Any]] = []
    bad: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            bad.append(f"line {number}: not JSON ({type(exc).__name__})")
            continue
        if isinstance(record, dict):
            records.append(record)
        else:
            bad.append(f"line {number}: not a JSON object")
    return records, bad
