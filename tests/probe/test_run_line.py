"""The stdout line: one line per run, outcome third, the reason quoted."""

from __future__ import annotations

from gatewatch.probe.engine import run_channel

from .conftest import plan, settings


def line_for(gateway, clock, contract) -> str:
    from gatewatch.probe.run_line import run_line

    the_plan = plan()
    return run_line(run_channel(gateway, contract, the_plan, settings(the_plan), clock=clock, target="fake"))


def test_a_delivered_line(gateway, clock, contract):
    line = line_for(gateway, clock, contract)
    fields = line.split(" ")
    assert fields[1] == "probe" and fields[2] == "outcome=delivered"
    assert "final=DELIVERED@0.40" in line and "bound=" in line
    assert "path=SENT@0.000>RECEIVED@0.200>DELIVERED@0.400" in line
    assert "to=***0001" in line and "reason=" not in line


def test_a_reason_stays_on_one_line(gateway, clock, contract):
    gateway.path = [(0.0, "SENT"), (0.3, "ERROR")]
    gateway.reason = 'rejected: "bad number"\nby carrier'
    line = line_for(gateway, clock, contract)
    assert "\n" not in line
    assert 'reason="rejected: \\"bad number\\"\\nby carrier"' in line
