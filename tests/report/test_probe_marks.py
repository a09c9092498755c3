"""The probe page marks degraded, maintenance and confirmation runs (issue 15)."""

from __future__ import annotations

import re
from pathlib import Path

from gatewatch.report import render_index
from gatewatch.report.model import Verdict
from gatewatch.report.probe_source import read_probe

from .conftest import DELIVERED_PATH, probe_run, write_probe
from .test_page import overview_row, section

EXPIRED_PATH = (("SENT", 0.0, 0.1), ("EXPIRED", 2.0, 0.5))


def _history(folder: Path) -> None:
    degraded = probe_run(
        "SMS", "2026-12-01T09:06:42.000Z", "degraded", DELIVERED_PATH, final="DELIVERED", run_id="d1"
    )
    degraded |= {
        "exit_code": 0,
        "degraded_after_s": 0.5,
        "reason": "delivered after 2.00 s, over the 0.5 s threshold",
    }
    first = probe_run(
        "RCS", "2026-12-01T09:07:00.000Z", "expired", EXPIRED_PATH, final="EXPIRED", run_id="f1"
    )
    first |= {"awaiting_confirmation": True, "maintenance": "carrier upgrade"}
    second = probe_run(
        "RCS", "2026-12-01T09:07:10.000Z", "delivered", DELIVERED_PATH, final="DELIVERED", run_id="f2"
    )
    second |= {
        "maintenance": "carrier upgrade",
        "confirmation": {
            "run_id": "f1",
            "message_id": "GW-1",
            "outcome": "expired",
            "reason": None,
            "confirmed": False,
        },
    }
    write_probe(folder, records=[degraded, first, second])


def test_degraded_and_unconfirmed_runs_pass_the_part(tmp_path: Path) -> None:
    _history(tmp_path)
    part = read_probe(tmp_path)
    # The latest concluded run: degraded delivered; the RCS failure awaiting confirmation is not a verdict.
    assert part.verdict is Verdict.PASSED
    assert part.runs["RCS"][0].awaiting_confirmation and part.runs["RCS"][1].confirmation is not None
    assert "PASSED" in overview_row(render_index(tmp_path), "Synthetic probe")


def test_the_page_marks_them(tmp_path: Path) -> None:
    _history(tmp_path)
    probe = section(render_index(tmp_path), "probe")
    latest = probe.split("Latest run per channel", 1)[1].split("</table>", 1)[0]
    sms = re.search(r'<tr><th scope="row">SMS</th>.*?</tr>', latest, re.S)
    rcs = re.search(r'<tr><th scope="row">RCS</th>.*?</tr>', latest, re.S)
    assert sms and '<span class="status degraded">degraded</span>' in sms.group(0)
    assert rcs and '<span class="status passed">delivered</span>' in rcs.group(0)
    assert '<span class="mark">maintenance</span>' in rcs.group(0)
    assert '<span class="mark">unconfirmed</span>' in rcs.group(0)
    marked = probe.split("Degraded, unconfirmed and maintenance runs", 1)[1].split("</table>", 1)[0]
    for text in (
        "over the 0.5 s threshold",
        "carrier upgrade",
        "a failure the confirming probe did not confirm: run f1 expired",
        "the next run on the channel is its confirming probe",
    ):
        assert text in marked, text
    # The timelines' notes carry the marks too.
    assert "delivered · maintenance · unconfirmed" in probe


def test_a_plain_history_has_no_marked_runs_table(tmp_path: Path) -> None:
    write_probe(tmp_path, all_delivered=True)
    assert "Degraded, unconfirmed and maintenance runs" not in section(render_index(tmp_path), "probe")
