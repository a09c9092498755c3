"""The records the engines write to a reports folder and the report reads back: one type each, versioned.

- `suite_summary.SuiteSummary`: summary.json of the contract suite;
- `load_summary.LoadSummary`: the load test's summary;
- `probe_history`: one line of the probe's history.jsonl (`parse_line`);
- `run_summary.RunSummary`: `gatewatch run`'s run/summary.json.

`codec.encode` turns a record into the JSON a writer dumps; `codec.decode` reads it back
and names the field, what was expected and what was found when it is wrong
(`RecordError`). A core module: it imports nothing but the standard library.
"""

from __future__ import annotations

from gatewatch.core.records.codec import Decoded, RecordError, decode, encode

__all__ = ["Decoded", "RecordError", "decode", "encode"]
