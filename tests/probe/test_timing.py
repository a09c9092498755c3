"""Brackets and estimates: updatedAt places a change, clamped to what the polls allow."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gatewatch.probe.timing import Timeline

OFFSET = 1_800_000_000.0  # wall minus monotonic


def at(mono: float) -> datetime:
    return datetime.fromtimestamp(OFFSET + mono, UTC)


def test_server_time_inside_the_bracket_is_used():
    tl = Timeline(10.0, 10.01, OFFSET)
    tl.observe(10.10, 10.11, "SENT", at(10.005), initial=True)
    tl.observe(10.30, 10.31, "DELIVERED", at(10.205), initial=False)
    sent, delivered = tl.timings()
    assert sent.at_s == pytest.approx(0.0, abs=1e-4)
    assert delivered.at_s == pytest.approx(0.2, abs=1e-4)
    assert delivered.earliest_s == pytest.approx(0.095, abs=1e-4)  # the last poll that saw SENT began
    assert delivered.latest_s == pytest.approx(0.305, abs=1e-4)
    assert delivered.server_placed


@pytest.mark.parametrize("skew", [-3600.0, 2.5])
def test_a_constant_skew_is_measured_from_the_brackets_and_removed(skew):
    tl = Timeline(10.0, 10.004, OFFSET)
    tl.observe(10.10, 10.11, "SENT", at(10.002 + skew), initial=True)
    tl.observe(10.20, 10.21, "RECEIVED", at(10.152 + skew), initial=False)
    tl.observe(10.60, 10.61, "DELIVERED", at(10.402 + skew), initial=False)
    assert tl.skew() == pytest.approx(skew, abs=0.003)
    delivered = tl.timings()[-1]
    assert delivered.at_s == pytest.approx(0.4, abs=0.004)


def test_server_times_no_constant_skew_explains_are_clamped():
    tl = Timeline(10.0, 10.01, OFFSET)
    tl.observe(10.10, 10.11, "SENT", at(10.005 - 3600), initial=True)
    tl.observe(10.30, 10.31, "DELIVERED", at(10.205 + 3600), initial=False)
    _sent, delivered = tl.timings()
    assert tl.origin == pytest.approx(10.0, abs=1e-4)  # clamped into the send's bracket
    assert delivered.at_s == pytest.approx(delivered.latest_s, abs=1e-4)
    assert abs(delivered.at_s - 0.205) <= delivered.bound_s


def test_without_updated_at_the_middle_of_the_bracket():
    tl = Timeline(10.0, 10.0, OFFSET)
    tl.observe(10.1, 10.1, "SENT", None, initial=True)
    tl.observe(10.3, 10.3, "DELIVERED", None, initial=False)
    delivered = tl.timings()[-1]
    assert delivered.at_s == pytest.approx(0.2, abs=1e-4)
    assert not delivered.server_placed
    assert delivered.bound_s == pytest.approx(0.2, abs=1e-4)


def test_a_repeated_status_is_not_a_change_and_a_return_is():
    tl = Timeline(0.0, 0.0, OFFSET)
    assert tl.observe(0.1, 0.1, "SENT", None, initial=True)
    assert not tl.observe(0.2, 0.2, "SENT", None, initial=True)
    assert tl.observe(0.3, 0.3, "RECEIVED", None, initial=False)
    assert tl.observe(0.4, 0.4, "SENT", None, initial=True)
    assert [t.status for t in tl.timings()] == ["SENT", "RECEIVED", "SENT"]
