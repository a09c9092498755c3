"""Inline SVG charts for the HTML report: a line chart, a histogram and a timeline.

Each is a pure function of its data returning one `<svg>` string: every data point is an
element (`<circle class="point">`, `<rect class="bar">`) with a `<title>` giving its exact
value, the axes have tick labels and titles, and the chart has a `<title>` and `<desc>`
for screen readers. Series are told apart by colour and by dash pattern, and named in a
legend, so nothing depends on colour alone. All text is escaped here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

# Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), some
# darkened for contrast on white.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9", "#555555")
DASHES = ("", "7 4", "2 3", "9 3 2 3")
FONT = "font-family:system-ui,'DejaVu Sans',sans-serif;font-size:12px"
INK, GRID, AXIS = "#1f2328", "#d8dee4", "#57606a"
WIDTH = 960
HEIGHT = 300
LANE_HEIGHT = 24
Number = Callable[[float], str]


@dataclass(frozen=True, slots=True)
class Series:
    """A named line: (x, y) points in drawing order."""

    name: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class Bar:
    """A histogram bin from `low` to `high` on the x axis, `value` high; `label` is its tooltip."""

    low: float
    high: float
    value: float
    label: str = ""


@dataclass(frozen=True, slots=True)
class Mark:
    """A labelled moment on a timeline lane, with an error bound either side."""

    label: str
    at: float
    bound: float = 0.0


@dataclass(frozen=True, slots=True)
class Lane:
    """One row of a timeline: its marks in order, where it ends, a label and a note on the right."""

    label: str
    marks: tuple[Mark, ...]
    end: float | None = None
    note: str = ""
    #: A word added to the row's class (e.g. `webhook`), so a kind of row can be told apart.
    kind: str = ""
    #: The row's line is drawn dashed: a second kind of row, told apart without colour.
    dashed: bool = False


def format_number(value: float) -> str:
    """A tick label: up to four significant digits, no trailing zeros."""
    return "0" if value == 0 else f"{value:.4g}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round tick values (steps of 1, 2, 2.5 or 5 x 10^n) from below `low` to past `high`."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high <= low:  # one value: a unit either side of it (a second for a time axis)
        low, high = low - 1.0, high + 1.0
    raw = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round(first + step * len(ticks), 12))
    return ticks


def colors_for(labels: Iterable[str]) -> dict[str, str]:
    """A colour for each label, in order of first appearance (the same label, the same colour)."""
    out: dict[str, str] = {}
    for label in labels:
        if label not in out:
            out[label] = PALETTE[len(out) % len(PALETTE)]
    return out


# -- the three charts --------------------------------------------------------------------


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    width: int = WIDTH,
    height: int = HEIGHT,
    x_format: Number = format_number,
    y_format: Number = format_number,
) -> str:
    """Lines with a marker at every point; the y axis starts at zero."""
    points = [p for s in series for p in s.points]
    desc = f"{len(points)} points in {len(series)} series: " + ", ".join(
        f"{s.name} ({len(s.points)})" for s in series
    )
    if not points:
        return _empty(title, width, height)
    frame = _Frame.fit(width, height, [x for x, _ in points], [0.0, *(y for _, y in points)])
    parts = [_open(title, desc, width, height), frame.axes(x_label, y_label, x_format, y_format)]
    legend = []
    for i, s in enumerate(series):
        color, dash = PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]
        legend.append((s.name, color, dash))
        coords = [(frame.x(x), frame.y(y)) for x, y in s.points]
        parts.append(f'<g class="series" data-series="{escape(s.name)}">')
        if len(coords) > 1:
            path = " ".join(f"{'L' if j else 'M'}{cx:.1f},{cy:.1f}" for j, (cx, cy) in enumerate(coords))
            parts.append(
                _tag(
                    "path", d=path, fill="none", stroke=color, stroke_width=1.8, stroke_dasharray=dash or None
                )
            )
        for (x, y), (cx, cy) in zip(s.points, coords, strict=True):
            tip = f"{s.name}: {y_format(y)} at {x_format(x)}"
            parts.append(_tag("circle", _title(tip), class_="point", cx=cx, cy=cy, r=2.6, fill=color))
        parts.append("</g>")
    parts.append(_legend(legend, frame))
    return "".join(parts) + "</svg>"


def histogram(
    bars: Sequence[Bar],
    *,
    title: str,
    x_label: str,
    y_label: str,
    width: int = WIDTH,
    height: int = HEIGHT,
    x_format: Number = format_number,
    y_format: Number = format_number,
) -> str:
    """Bars on a linear x axis, each as wide as its bin and as high as its value."""
    if not bars:
        return _empty(title, width, height)
    desc = f"{len(bars)} bins from {x_format(bars[0].low)} to {x_format(bars[-1].high)}"
    xs = [b.low for b in bars] + [b.high for b in bars]
    frame = _Frame.fit(width, height, xs, [0.0, *(b.value for b in bars)], legend=False)
    parts = [_open(title, desc, width, height), frame.axes(x_label, y_label, x_format, y_format)]
    for bar in bars:
        x0, x1, top = frame.x(bar.low), frame.x(bar.high), frame.y(bar.value)
        tip = bar.label or f"{x_format(bar.low)} to {x_format(bar.high)}: {y_format(bar.value)}"
        parts.append(
            _tag(
                "rect",
                _title(tip),
                class_="bar",
                x=x0,
                y=top,
                width=max(1.0, x1 - x0 - 0.6),
                height=max(0.0, frame.bottom - top),
                fill=PALETTE[0],
                fill_opacity=0.8,
            )
        )
    return "".join(parts) + "</svg>"


def timeline(
    lanes: Sequence[Lane],
    *,
    title: str,
    x_label: str,
    colors: Mapping[str, str] | None = None,
    width: int = WIDTH,
    x_format: Number = format_number,
) -> str:
    """One lane per row: a band from each mark to the next, a dot at each mark, its bound as whiskers."""
    marks = [m for lane in lanes for m in lane.marks]
    palette = {**colors_for(m.label for m in marks), **(colors or {})}
    top, left, right = 12.0, 150.0, 170.0
    height = int(top + LANE_HEIGHT * max(1, len(lanes)) + 64)
    if not marks:
        return _empty(title, width, height)
    ends = [lane.end for lane in lanes if lane.end is not None]
    x_ticks = nice_ticks(0.0, max([m.at + m.bound for m in marks] + ends))
    frame = _Frame(
        width=width,
        height=height,
        top=top,
        right=width - right,
        bottom=top + LANE_HEIGHT * len(lanes),
        left=left,
        x_domain=(0.0, x_ticks[-1]),
        x_ticks=x_ticks,
        y_ticks=[],
    )
    parts = [
        _open(title, f"{len(lanes)} lanes, {len(marks)} marks", width, height),
        frame.x_axis(x_label, x_format),
    ]
    for row, lane in enumerate(lanes):
        mid = top + LANE_HEIGHT * row + LANE_HEIGHT / 2
        end = lane.end if lane.end is not None else lane.marks[-1].at if lane.marks else 0.0
        kind = f" {escape(lane.kind)}" if lane.kind else ""
        parts.append(f'<g class="lane{kind}" data-lane="{escape(lane.label)}">')
        parts.append(_text(left - 8, mid + 4, lane.label, anchor="end"))
        dash = "4 3" if lane.dashed else None
        parts.append(
            _tag(
                "line",
                x1=frame.x(0),
                y1=mid,
                x2=frame.x(end),
                y2=mid,
                stroke="#8c959f",
                stroke_dasharray=dash,
            )
        )
        for i, mark in enumerate(lane.marks):
            until = lane.marks[i + 1].at if i + 1 < len(lane.marks) else end
            color = palette[mark.label]
            x = frame.x(mark.at)
            if until > mark.at:
                parts.append(
                    _tag(
                        "rect",
                        class_="segment",
                        x=x,
                        y=mid - 5,
                        width=frame.x(until) - x,
                        height=10,
                        fill=color,
                        fill_opacity=0.3,
                    )
                )
            if mark.bound > 0:
                parts.append(
                    _error_bar(frame.x(max(0.0, mark.at - mark.bound)), frame.x(mark.at + mark.bound), mid)
                )
            tip = f"{lane.label}: {mark.label} at {x_format(mark.at)} (± {x_format(mark.bound)})"
            parts.append(
                _tag("circle", _title(tip), class_="point", cx=x, cy=mid, r=4, fill=color, stroke="#fff")
            )
        if lane.note:
            parts.append(_text(frame.right + 10, mid + 4, lane.note))
        parts.append("</g>")
    used = dict.fromkeys(m.label for m in marks)
    parts.append(_legend([(label, palette[label], "") for label in used], frame, box=True))
    return "".join(parts) + "</svg>"


# -- shared pieces -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Frame:
    """The plotting area in pixels, the domain of each axis and its tick values."""

    width: int
    height: int
    top: float
    right: float
    bottom: float
    left: float
    x_domain: tuple[float, float]
    x_ticks: list[float]
    y_ticks: list[float]

    @classmethod
    def fit(
        cls, width: int, height: int, xs: Sequence[float], ys: Sequence[float], *, legend: bool = True
    ) -> _Frame:
        """Each axis spans round ticks from just below its lowest value to just past its highest."""
        x_ticks = nice_ticks(min(xs), max(xs), count=6)
        return cls(
            width=width,
            height=height,
            top=16,
            right=width - 40,
            bottom=height - (68 if legend else 46),
            left=64,
            x_domain=(x_ticks[0], x_ticks[-1]),
            x_ticks=x_ticks,
            y_ticks=nice_ticks(min(ys), max(ys)),
        )

    def x(self, value: float) -> float:
        """The pixel column of `value`."""
        lo, hi = self.x_domain
        return self.left + (value - lo) / ((hi - lo) or 1.0) * (self.right - self.left)

    def y(self, value: float) -> float:
        """The pixel row of `value`."""
        lo, hi = self.y_ticks[0], self.y_ticks[-1]
        return self.bottom - (value - lo) / ((hi - lo) or 1.0) * (self.bottom - self.top)

    def axes(self, x_label: str, y_label: str, x_format: Number, y_format: Number) -> str:
        """Grid lines and labels at the y ticks, the y axis title, then the x axis."""
        parts = [self.x_axis(x_label, x_format)]
        for tick in self.y_ticks:
            y = self.y(tick)
            parts.append(_tag("line", x1=self.left, y1=y, x2=self.right, y2=y, stroke=GRID))
            parts.append(_text(self.left - 6, y + 4, y_format(tick), anchor="end"))
        mid = (self.top + self.bottom) / 2
        parts.append(
            _tag(
                "text",
                escape(y_label),
                class_="axis-title",
                transform=f"translate(14 {mid:.1f}) rotate(-90)",
                text_anchor="middle",
                style=FONT,
                fill=INK,
            )
        )
        return "".join(parts)

    def x_axis(self, x_label: str, x_format: Number) -> str:
        """The x axis line, its ticks, their labels and the axis title."""
        parts = [_tag("line", x1=self.left, y1=self.bottom, x2=self.right, y2=self.bottom, stroke=AXIS)]
        for tick in self.x_ticks:
            x = self.x(tick)
            parts.append(_tag("line", x1=x, y1=self.bottom, x2=x, y2=self.bottom + 4, stroke=AXIS))
            parts.append(_text(x, self.bottom + 16, x_format(tick), anchor="middle"))
        middle = (self.left + self.right) / 2
        parts.append(_text(middle, self.bottom + 34, x_label, anchor="middle", class_="axis-title"))
        return "".join(parts)


def _error_bar(low: float, high: float, mid: float) -> str:
    """A thin horizontal bar with end caps: the bound either side of a mark."""
    caps = "".join(_tag("line", x1=x, y1=mid - 4, x2=x, y2=mid + 4) for x in (low, high))
    bar = _tag("line", x1=low, y1=mid, x2=high, y2=mid)
    return f'<g class="bound" stroke="{INK}" stroke-width="1" stroke-opacity="0.55">{bar}{caps}</g>'


def _tag(name: str, content: str | None = None, **attrs: str | float | None) -> str:
    """An SVG element; `stroke_width=1` is written stroke-width="1", `class_` is class, None is left out."""
    written = []
    for key, value in attrs.items():
        if value is None:
            continue
        shown = f"{value:.1f}" if isinstance(value, float) else escape(str(value))
        written.append(f'{key.rstrip("_").replace("_", "-")}="{shown}"')
    opening = f"<{name} {' '.join(written)}"
    return f"{opening}/>" if content is None else f"{opening}>{content}</{name}>"


def _title(tip: str) -> str:
    return f"<title>{escape(tip)}</title>"


def _text(x: float, y: float, content: str, *, anchor: str = "start", class_: str | None = None) -> str:
    return _tag("text", escape(content), class_=class_, x=x, y=y, text_anchor=anchor, style=FONT, fill=INK)


def _open(title: str, desc: str, width: int, height: int) -> str:
    ident = "chart-" + (re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "untitled")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{ident}-t {ident}-d">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
    )


def _empty(title: str, width: int, height: int) -> str:
    return (
        _open(title, "no data points", width, height)
        + _text(width / 2, height / 2, "no data points")
        + "</svg>"
    )


def _legend(entries: Sequence[tuple[str, str, str]], frame: _Frame, *, box: bool = False) -> str:
    """Each name with its colour (and dash pattern), in a row at the bottom."""
    parts = ['<g class="legend">']
    x, y = frame.left, frame.height - 10.0
    for name, color, dash in entries:
        if box:
            parts.append(_tag("rect", class_="swatch", x=x, y=y - 9, width=12, height=10, fill=color))
        else:
            parts.append(
                _tag(
                    "line",
                    x1=x,
                    y1=y - 4,
                    x2=x + 22,
                    y2=y - 4,
                    stroke=color,
                    stroke_width=2.4,
                    stroke_dasharray=dash or None,
                )
            )
        parts.append(_text(x + 28, y, name))
        x += 44 + 7 * len(name)
    parts.append("</g>")
    return "".join(parts)
