"""The SVG charts: one element per data point, axes labelled, placed where the data says, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from gatewatch.report.charts import Bar, Lane, Mark, Series, histogram, line_chart, nice_ticks, timeline

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    return root


def points(root: ET.Element) -> list[ET.Element]:
    return root.findall(f".//{NS}circle[@class='point']")


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{NS}text")]


def test_a_line_chart_has_a_marker_per_point_and_labelled_axes() -> None:
    svg = line_chart(
        [Series("p50", ((0, 10.0), (5, 12.0), (10, 11.0))), Series("p99", ((0, 40.0), (10, 55.0)))],
        title="Latency over time",
        x_label="seconds into the run",
        y_label="latency (ms)",
    )
    root = parse(svg)
    dots = points(root)
    assert len(dots) == 5
    assert [d.findtext(f"{NS}title") for d in dots][:2] == ["p50: 10 at 0", "p50: 12 at 5"]
    labels = texts(root)
    assert {"seconds into the run", "latency (ms)", "p50", "p99", "0", "10", "60"} <= set(labels)
    assert len(root.findall(f".//{NS}path")) == 2
    # Higher values are drawn higher (smaller y); later ones further right.
    ys = {d.findtext(f"{NS}title"): float(d.get("cy", "0")) for d in dots}
    assert ys["p99: 55 at 10"] < ys["p99: 40 at 0"] < ys["p50: 12 at 5"] < ys["p50: 10 at 0"]
    xs = [float(d.get("cx", "0")) for d in dots[:3]]
    assert xs == sorted(xs) and xs[0] < xs[2]
    # The two series differ by dash pattern too, not only by colour.
    dashes = [p.get("stroke-dasharray") for p in root.findall(f".//{NS}path")]
    assert dashes[0] is None and dashes[1]


def test_a_histogram_has_a_bar_per_bin_as_wide_as_the_bin() -> None:
    bars = [Bar(0, 1, 30), Bar(1, 2, 60), Bar(2, 4, 10, "10 requests from 2 to 4 ms")]
    root = parse(
        histogram(bars, title="Latency histogram", x_label="latency (ms)", y_label="requests per ms")
    )
    rects = root.findall(f".//{NS}rect[@class='bar']")
    assert len(rects) == 3
    widths = [float(r.get("width", "0")) for r in rects]
    assert widths[2] == pytest.approx(2 * widths[0], rel=0.02)
    heights = [float(r.get("height", "0")) for r in rects]
    assert heights[1] == pytest.approx(2 * heights[0], rel=0.02)
    assert rects[2].findtext(f"{NS}title") == "10 requests from 2 to 4 ms"
    assert {"latency (ms)", "requests per ms"} <= set(texts(root))


def test_a_timeline_has_a_lane_per_run_and_a_dot_per_status() -> None:
    lanes = [
        Lane(
            "09:06:42",
            (Mark("SENT", 0.0, 0.1), Mark("RECEIVED", 2.0, 0.5), Mark("DELIVERED", 4.0, 1.9)),
            note="delivered",
        ),
        Lane("09:07:37", (Mark("UNKNOWN", 0.0, 0.08),), end=8.0, note="stuck"),
    ]
    root = parse(timeline(lanes, title="SMS: time to each status", x_label="seconds after the send"))
    assert len(root.findall(f".//{NS}g[@class='lane']")) == 2
    assert len(points(root)) == 4
    assert len(root.findall(f".//{NS}g[@class='bound']")) == 4
    # SENT to RECEIVED, RECEIVED to DELIVERED, UNKNOWN to the deadline.
    assert len(root.findall(f".//{NS}rect[@class='segment']")) == 3
    labels = texts(root)
    assert {"09:06:42", "delivered", "stuck", "seconds after the send", "SENT", "UNKNOWN"} <= set(labels)
    # The same status has the same colour in every lane; different statuses differ.
    fills = {d.findtext(f"{NS}title"): d.get("fill") for d in points(root)}
    assert len(set(fills.values())) == 4


def test_timeline_colours_can_be_shared_between_charts() -> None:
    lane = Lane("a", (Mark("DELIVERED", 1.0),))
    root = parse(timeline([lane], title="t", x_label="s", colors={"DELIVERED": "#123456"}))
    assert points(root)[0].get("fill") == "#123456"


def test_text_from_the_data_is_escaped() -> None:
    svg = line_chart(
        [Series('<b onload="x">&', ((0, 1.0), (1, 2.0)))], title="a <title>", x_label="<x>", y_label="y&"
    )
    root = parse(svg)
    assert "<b onload" not in svg and "&lt;b onload=&quot;x&quot;&gt;&amp;" in svg
    assert root.findtext(f"{NS}title") == "a <title>"


def test_no_data_is_a_chart_that_says_so() -> None:
    for svg in (
        line_chart([Series("p50", ())], title="t", x_label="x", y_label="y"),
        histogram([], title="t", x_label="x", y_label="y"),
        timeline([], title="t", x_label="x"),
    ):
        root = parse(svg)
        assert texts(root) == ["no data points"] and not points(root)


def test_a_single_point_still_gets_axes() -> None:
    root = parse(line_chart([Series("one", ((5.0, 3.0),))], title="t", x_label="x", y_label="y"))
    assert len(points(root)) == 1 and len(texts(root)) > 4


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 7.4, [0, 2, 4, 6, 8]),
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (20.2, 82.9, [20, 40, 60, 80, 100]),
        (3, 3, [2, 2.5, 3, 3.5, 4]),
        (1796115918.0, 1796115918.0, [1796115917, 1796115917.5, 1796115918, 1796115918.5, 1796115919]),
    ],
)
def test_ticks_are_round_and_cover_the_range(low: float, high: float, expected: list[float]) -> None:
    assert nice_ticks(low, high) == expected
