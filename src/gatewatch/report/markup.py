"""Small HTML helpers the page sections share: escaping, tables, verdict badges, problems, times.

Everything taken from an input file is text and is escaped on the way out; `Html` marks a
string that is already markup, so a table cell is escaped unless it says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape

from gatewatch.report.model import Problem, RuleStatus, Verdict


class Html(str):
    """A string that is already HTML (escaped where it holds text)."""

    __slots__ = ()


Cell = str | int | float | None

_VERDICT_CLASS = {
    Verdict.PASSED: "passed",
    Verdict.FAILED: "failed",
    Verdict.NOT_RUN: "not-run",
    Verdict.UNREADABLE: "unreadable",
    Verdict.INTERRUPTED: "interrupted",
}
_RULE_CLASS = {
    RuleStatus.PASSED: "passed",
    RuleStatus.FAILED: "failed",
    RuleStatus.SKIPPED: "skipped",
    RuleStatus.NOT_EXERCISED: "not-run",
}


def text(value: Cell) -> Html:
    """`value` escaped; None shows as a dash."""
    if value is None:
        return Html("-")
    if isinstance(value, Html):
        return value
    return Html(escape(str(value)))


def join(parts: Iterable[str]) -> Html:
    """Markup pieces concatenated (each already Html)."""
    return Html("".join(parts))


def tag(name: str, content: Cell, **attrs: str) -> Html:
    """`<name attrs>content</name>`, content escaped unless it is Html; `class_` is written class."""
    written = "".join(f' {k.rstrip("_").replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return Html(f"<{name}{written}>{text(content)}</{name}>")


def section(ident: str, title: str, verdict: Verdict | None, body: Iterable[str]) -> Html:
    """`<section id=ident>` headed by an h2 (with the verdict badge, when it has one)."""
    heading = join([text(title), " ", badge(verdict)]) if verdict is not None else text(title)
    opening = f'<section id="{ident}" aria-labelledby="{ident}-h"><h2 id="{ident}-h">{heading}</h2>'
    return Html(f"{opening}{join(body)}</section>")


def interrupted_note(why: str | None) -> Html:
    """The paragraph an interrupted part's section shows instead of its (partial) results."""
    return tag("p", f"Interrupted: {why or 'stopped before it finished'}.")


def badge(verdict: Verdict) -> Html:
    """The verdict as a coloured label whose words say it too."""
    return tag("span", verdict.value.upper(), class_=f"verdict {_VERDICT_CLASS[verdict]}")


def rule_status(status: RuleStatus, reason: str | None) -> Html:
    """A rule's status for the rule table: `skipped: reason` when it has one."""
    label = f"{status.value}: {reason}" if reason and status is RuleStatus.SKIPPED else status.value
    return tag("span", label, class_=f"status {_RULE_CLASS[status]}")


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    caption: str | None = None,
    numeric: Iterable[int] = (),
    row_headers: bool = True,
) -> Html:
    """A table with a header row; the first cell of each row is a row header (`<th scope="row">`)."""
    right = set(numeric)
    head = join(
        tag("th", h, scope="col", **({"class_": "num"} if i in right else {})) for i, h in enumerate(headers)
    )
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            attrs = {"class_": "num"} if i in right else {}
            if i == 0 and row_headers:
                cells.append(tag("th", cell, scope="row", **attrs))
            else:
                cells.append(tag("td", cell, **attrs))
        body.append(tag("tr", join(cells)))
    cap = tag("caption", caption) if caption else ""
    inner = f"{cap}<thead><tr>{head}</tr></thead><tbody>{join(body)}</tbody>"
    return Html(f'<div class="scroll"><table>{inner}</table></div>')


def figure(svg: str, caption: str) -> Html:
    """A chart (an SVG string from `charts`) with its caption."""
    return Html(f"<figure>{svg}{tag('figcaption', caption)}</figure>")


def facts(pairs: Iterable[tuple[str, Cell]]) -> Html:
    """A definition list of (name, value); values None are left out."""
    items = [f"<dt>{text(k)}</dt><dd>{text(v)}</dd>" for k, v in pairs if v is not None]
    return Html(f'<dl class="facts">{"".join(items)}</dl>') if items else Html("")


def problems(found: Sequence[Problem]) -> Html:
    """Each unreadable input as one line, in a box that says so."""
    if not found:
        return Html("")
    items = join(tag("li", p.text()) for p in found)
    return Html(f'<div class="problem" role="note"><ul>{items}</ul></div>')


def pre(content: str, *, label: str | None = None) -> Html:
    """Preformatted text (a request, an answer, a command line), with an optional label above it."""
    heading = tag("p", label, class_="pre-label") if label else ""
    return Html(f"{heading}<pre><code>{escape(content)}</code></pre>")


def when(epoch: float | None) -> str | None:
    """Epoch seconds as `2026-12-01 09:02:13 UTC`."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def clock(epoch: float) -> str:
    """Epoch seconds as `09:02:13` (UTC), for chart axes."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%S")


def span(started: float | None, ended: float | None) -> str | None:
    """When something ran: `start to end` (the end's date left out when it is the same day)."""
    first = when(started)
    if first is None:
        return None
    if ended is None or ended <= (started or 0):
        return first
    last = when(ended) or ""
    if last[:10] == first[:10]:
        last = last[11:]
    return f"{first.removesuffix(' UTC')} to {last}"


def number(value: float | None, digits: int = 1, unit: str = "") -> str | None:
    """A measured value with a fixed number of decimals and its unit."""
    if value is None:
        return None
    shown = f"{value:,.{digits}f}"
    return f"{shown} {unit}".rstrip()


def count(value: int | None) -> str | None:
    """A count with thousands separators."""
    return None if value is None else f"{value:,}"
