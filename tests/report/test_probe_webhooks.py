"""The probe's delivery webhooks on the page: per channel the poll and webhook timelines, and the figures."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from gatewatch.checks.webhook_deliveries import WebhookState
from gatewatch.core.records import encode
from gatewatch.core.records.probe_history import StatusLine, ViolationLine, WebhooksLine
from gatewatch.report import probe_source, render_index
from gatewatch.report.probe_page import LANES_PER_CHANNEL
from gatewatch.report.probe_source import read_probe
from tests.report.conftest import DELIVERED_PATH, probe_run, write_probe
from tests.report.test_page import SVG, section

NS = "{http://www.w3.org/2000/svg}"
LOST_HEADLINE = ViolationLine(
    rule="webhook_lost", provenance="pinned", message="no delivery webhook within 30 s of the final status"
)


def hooks(
    state: str, *statuses: tuple[str, float], minus_poll_s: float | None = None, **counts: Any
) -> dict[str, Any]:
    """A run's `webhooks` as the probe writes it: the record, encoded."""
    line = WebhooksLine(
        state=state,
        statuses=tuple(StatusLine(status=s, at_s=at) for s, at in statuses),
        minus_poll_s=minus_poll_s,
        **counts,
    )
    return encode(line)


def run(channel: str, minute: int, webhooks: dict[str, Any] | None, path: Any = DELIVERED_PATH) -> Any:
    started = f"2026-12-01T09:{minute:02d}:00.000Z"
    return probe_run(
        channel, started, "delivered", path, final="DELIVERED", run_id=f"r{minute}", webhooks=webhooks
    )


def history() -> list[dict[str, Any]]:
    """SMS: webhooks before and after the poll, a duplicate, one lost, one out of order; RCS: one
    contradicting its poll; WHATSAPP: no receiver."""
    return [
        run("SMS", 1, hooks("arrived", ("DELIVERED", 3.1), minus_poll_s=-0.9, deliveries=1)),
        run("SMS", 2, hooks("arrived", ("DELIVERED", 5.5), minus_poll_s=1.5, deliveries=3, duplicates=2)),
        run("SMS", 3, {**hooks("lost"), "violations": [encode(LOST_HEADLINE)]}),
        run("SMS", 4, hooks("arrived", ("DELIVERED", 4.3), minus_poll_s=0.3, deliveries=2, out_of_order=1)),
        run("SMS", 5, hooks("arrived", ("DELIVERED", 6.0), minus_poll_s=2.0, deliveries=1)),
        run("RCS", 6, hooks("arrived", ("ERROR", 2.5), minus_poll_s=-1.5, deliveries=1, contradicting=1)),
        run("WHATSAPP", 7, None),
    ]


def chart(probe: str, channel: str) -> ET.Element:
    title = f"{channel}: time to each status"
    found = [svg for svg in SVG.findall(probe) if f">{title}, last" in svg]
    assert len(found) == 1, f"no timeline for {channel}"
    return ET.fromstring(found[0])


def lanes(svg: ET.Element) -> list[ET.Element]:
    return [g for g in svg.iter(f"{NS}g") if "lane" in (g.get("class") or "").split()]


def webhook_table(probe: str) -> str:
    return probe.split("Delivery webhooks beside the poll", 1)[1].split("</table>", 1)[0]


def row(html: str, channel: str) -> list[str]:
    match = re.search(rf'<tr><th scope="row">{channel}</th>(.*?)</tr>', html, re.S)
    assert match, f"no row for {channel}"
    return re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)


def test_each_run_with_a_receiver_has_its_webhook_row_under_its_poll_row(tmp_path: Path) -> None:
    write_probe(tmp_path, records=history())
    probe = section(render_index(tmp_path), "probe")
    sms = lanes(chart(probe, "SMS"))
    assert [g.get("class") for g in sms] == ["lane", "lane webhook"] * 5
    # The webhook row has the webhook's own timeline, on the poll's time axis.
    first_poll, first_hook = sms[0], sms[1]
    assert [c.findtext(f"{NS}title") for c in first_poll.iter(f"{NS}circle")] == [
        "12-01 09:01:00: SENT at 0 (± 0.118)",
        "12-01 09:01:00: RECEIVED at 2 (± 0.5)",
        "12-01 09:01:00: DELIVERED at 4 (± 1.96)",
    ]
    assert [c.findtext(f"{NS}title") for c in first_hook.iter(f"{NS}circle")] == [
        "webhook: DELIVERED at 3.1 (± 0)"
    ]
    poll_dot = float(next(first_poll.iter(f"{NS}circle")).get("cx", "0"))
    hook_dot = float(next(first_hook.iter(f"{NS}circle")).get("cx", "0"))
    assert poll_dot < hook_dot  # SENT at 0 is left of DELIVERED at 3.1: one axis for both rows
    notes = [[t.text for t in g.iter(f"{NS}text")][-1] for g in sms[1::2]]
    assert notes == ["arrived, -0.90 s", "arrived, +1.50 s", "lost", "arrived, +0.30 s", "arrived, +2.00 s"]
    # The webhook row's line is dashed: told apart without colour.
    assert first_hook.find(f"{NS}line").get("stroke-dasharray") == "4 3"  # type: ignore[union-attr]
    assert first_poll.find(f"{NS}line").get("stroke-dasharray") is None  # type: ignore[union-attr]
    # A channel whose runs had no receiver keeps its poll rows only.
    assert [g.get("class") for g in lanes(chart(probe, "WHATSAPP"))] == ["lane"]


def test_the_table_gives_webhook_minus_poll_and_the_delivery_counts(tmp_path: Path) -> None:
    write_probe(tmp_path, records=history())
    table = webhook_table(section(render_index(tmp_path), "probe"))
    runs, median, latest, lost, duplicated, out_of_order, contradicting, findings = row(table, "SMS")
    assert (runs, median, latest) == ("5", "+0.90 s", "+2.00 s")  # median of -0.9, 0.3, 1.5, 2.0
    # Lost and contradicting webhooks are failures; duplicates and reordering only notes.
    assert lost == '<span class="status failed">1</span>'
    assert duplicated == '<span class="note">2</span>'
    assert out_of_order == '<span class="note">1</span>'
    assert contradicting == "0"
    assert findings == "-"  # the latest SMS run broke no webhook rule
    rcs = row(table, "RCS")
    assert rcs[:3] == ["1", "-1.50 s", "-1.50 s"]
    assert rcs[3] == "0" and rcs[6] == '<span class="status failed">1</span>'
    assert "WHATSAPP" not in table  # no receiver, no figures


def test_the_latest_runs_findings_carry_rule_and_provenance(tmp_path: Path) -> None:
    records = history()[:3]  # the latest SMS run is the lost one
    write_probe(tmp_path, records=records)
    cells = row(webhook_table(section(render_index(tmp_path), "probe")), "SMS")
    assert cells[2] == "lost"  # no figure for a lost webhook: its state instead
    assert cells[-1] == "[webhook_lost (pinned)] no delivery webhook within 30 s of the final status"


def test_a_history_without_webhooks_has_no_webhook_section(reports: Path) -> None:
    probe = section(render_index(reports), "probe")
    assert "webhook" not in probe.lower()
    assert all(g.get("class") == "lane" for svg in SVG.findall(probe) for g in lanes(ET.fromstring(svg)))


def test_a_long_history_shows_as_many_rows_and_counts_every_run(tmp_path: Path) -> None:
    many = [
        run("SMS", m, hooks("arrived", ("DELIVERED", 3.0), minus_poll_s=-1.0, duplicates=1))
        for m in range(50)
    ]
    write_probe(tmp_path, records=many)
    probe = section(render_index(tmp_path), "probe")
    assert len(lanes(chart(probe, "SMS"))) == LANES_PER_CHANNEL  # the latest 10 runs, two rows each
    cells = row(webhook_table(probe), "SMS")
    assert cells[0] == "50" and cells[4] == '<span class="note">50</span>'


def test_a_hostile_webhook_status_is_escaped(tmp_path: Path) -> None:
    script = "<script>alert('status')</script>"
    hostile = hooks("<img src=x onerror=alert(1)>", (script, 1.0), minus_poll_s=-3.0)
    hostile["violations"] = [
        encode(ViolationLine(rule="webhook_lost", provenance="<b>", message="</td><i>x"))
    ]
    write_probe(tmp_path, records=[run("<em>SMS</em>", 1, hostile)])
    page = render_index(tmp_path)
    for raw in (script, "<img", "<b>", "<i>", "<em>"):
        assert raw not in page
    assert "&lt;script&gt;alert(&#x27;status&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;, -3.00 s" in page
    assert "[webhook_lost (&lt;b&gt;)] &lt;/td&gt;&lt;i&gt;x" in page
    for svg in SVG.findall(section(page, "probe")):
        ET.fromstring(svg)  # still well-formed


def test_the_webhooks_read_as_the_probe_wrote_them(tmp_path: Path) -> None:
    records = history()
    records[0]["webhooks"] = "not an object"  # a damaged line keeps its poll
    write_probe(tmp_path, records=records)
    part = read_probe(tmp_path)
    sms = part.runs["SMS"]
    assert sms[0].webhooks is None and sms[1].webhooks is not None
    assert (sms[1].webhooks.minus_poll_s, sms[1].webhooks.duplicates, sms[1].webhooks.deliveries) == (
        1.5,
        2,
        3,
    )
    assert [(s.status, s.at_s) for s in sms[1].webhooks.statuses] == [("DELIVERED", 5.5)]
    assert part.runs["WHATSAPP"][0].webhooks is None
    assert len(part.problems) == 1 and "read in part" in part.problems[0].why


def test_the_lost_state_is_the_checks_word() -> None:
    # The report reads files, not the checks' modules; this is where a rename shows up.
    assert WebhookState.LOST.value == probe_source.LOST


def test_a_run_without_a_receiver_keeps_its_poll_row_only(tmp_path: Path) -> None:
    records = [run("SMS", 1, hooks("arrived", ("DELIVERED", 3.1), minus_poll_s=-0.9)), run("SMS", 2, None)]
    write_probe(tmp_path, records=records)
    probe = section(render_index(tmp_path), "probe")
    assert [g.get("class") for g in lanes(chart(probe, "SMS"))] == ["lane", "lane webhook", "lane"]
    assert row(webhook_table(probe), "SMS")[:3] == ["1", "-0.90 s", "-0.90 s"]
