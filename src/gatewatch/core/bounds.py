"""How much of what a target says gatewatch keeps and shows: one place for each bound.

A broken or hostile target can answer megabytes to every request. The checks still judge
the whole answer (the client parses a body before it cuts it), but an `Exchange` keeps
only the first `BODY_KEPT_BYTES` of each body, with its full size noted, so every report
built from one is bounded; a console block or a one-line reason shows less again; and
the Allure attachments of a run stop at a budget, with a note saying so.
"""

from __future__ import annotations

#: Of each request and answer body, what an Exchange keeps (the full size is noted beside it).
BODY_KEPT_BYTES = 64 * 1024
#: Of each header value, what an Exchange keeps (the values checks read are a few characters).
HEADER_KEPT_CHARS = 4 * 1024
#: Of a body, a header block or a text the target chose (a status description, an error
#: message), what one console block, failure message or report line shows.
TEXT_SHOWN_CHARS = 2000
#: What the Allure attachments of one suite run may add up to; past it none are written.
ATTACHMENTS_BUDGET_BYTES = 8 * 1024 * 1024


def clip(text: str, limit: int = TEXT_SHOWN_CHARS) -> str:
    """`text`, or its first `limit` characters and a note of its full length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters, first {limit:,} shown)"


def cut_note(size: int, kept: int) -> str:
    """How a cut body is marked: `(2,097,152 bytes, first 65,536 kept)`."""
    return f"({size:,} bytes, first {kept:,} kept)"
