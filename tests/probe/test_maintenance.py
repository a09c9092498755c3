"""Maintenance windows (targets file and flag): runs go on, are marked, and the gauge says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from .conftest import read_history, write_targets
from .test_confirmation import samples, value


def stamp(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat(timespec="seconds").replace("+00:00", "Z")


def window(start: str, end: str, reason: str = "carrier upgrade", channels: str = "") -> str:
    scope = f"channels = {channels}\n" if channels else ""
    return f'[[targets.sim.maintenance]]\nstart = "{start}"\nend = "{end}"\nreason = "{reason}"\n{scope}'


NOW_OPEN = window(stamp(timedelta(hours=-1)), stamp(timedelta(hours=1)))
PAST = window(stamp(timedelta(hours=-3)), stamp(timedelta(hours=-2)), "last night")


def _probe(probe_cli, args, tmp_path):
    history, prom = tmp_path / "h.jsonl", tmp_path / "probe.prom"
    result = probe_cli(*args, "--channel", "SMS", "--history", str(history), "--textfile", str(prom))
    runs = [r for r in read_history(history) if r["type"] == "run"]
    return result, runs, samples(prom)


def _targets(sim, tmp_path, monkeypatch, extra: str) -> list[str]:
    monkeypatch.setenv("GATEWATCH_API_KEY", "key-a")
    targets = write_targets(tmp_path / "t.toml", sim.base_url, extra=extra)
    return ["--config", str(targets), "--target", "sim", "--first-interval", "20ms"]


def test_a_window_in_the_targets_file_marks_the_run(sim, tmp_path, probe_cli, monkeypatch):
    args = _targets(sim, tmp_path, monkeypatch, PAST + NOW_OPEN)
    result, runs, found = _probe(probe_cli, args, tmp_path)
    assert result.code == 0, result.out + result.err
    assert runs[0]["maintenance"] == "carrier upgrade" and runs[0]["outcome"] == "delivered"
    assert 'maintenance="carrier upgrade"' in result.out
    assert value(found, "gatewatch_probe_maintenance") == 1


def test_outside_every_window_the_run_is_not_marked(sim, tmp_path, probe_cli, monkeypatch):
    result, runs, found = _probe(probe_cli, _targets(sim, tmp_path, monkeypatch, PAST), tmp_path)
    assert result.code == 0 and runs[0]["maintenance"] is None
    assert "maintenance=" not in result.out
    assert value(found, "gatewatch_probe_maintenance") == 0


def test_a_window_may_cover_some_channels_only(sim, tmp_path, probe_cli, monkeypatch):
    sms_only = window(stamp(timedelta(hours=-1)), stamp(timedelta(hours=1)), "SMSC swap", '["SMS"]')
    args = _targets(sim, tmp_path, monkeypatch, sms_only)
    history, prom = tmp_path / "h.jsonl", tmp_path / "probe.prom"
    result = probe_cli(*args, "--history", str(history), "--textfile", str(prom))  # every channel
    assert result.code == 0, result.out + result.err
    marked = {r["channel"]: r["maintenance"] for r in read_history(history) if r["type"] == "run"}
    assert marked["SMS"] == "SMSC swap" and len(marked) > 1
    assert all(reason is None for channel, reason in marked.items() if channel != "SMS")
    found = samples(prom)
    assert value(found, "gatewatch_probe_maintenance") == 1
    others = [k for k in found if k[0] == "gatewatch_probe_maintenance" and ("channel", "SMS") not in k[1]]
    assert others and all(found[k] == 0 for k in others)


def test_the_flag_opens_a_window_until_a_time(sim, sim_target, probe_cli, tmp_path):
    until = stamp(timedelta(hours=2))
    args = [*sim_target, "--maintenance-until", until, "--maintenance-reason", "SMSC swap"]
    result, runs, found = _probe(probe_cli, args, tmp_path)
    assert result.code == 0 and runs[0]["maintenance"] == "SMSC swap"
    assert value(found, "gatewatch_probe_maintenance") == 1
    # Without a reason the window is still named.
    _, runs, _ = _probe(probe_cli, [*sim_target, "--maintenance-until", until], tmp_path)
    assert runs[-1]["maintenance"] == "maintenance"


def test_a_failure_in_a_window_keeps_its_outcome_and_exit_code(
    gateway_stub, stub_target, probe_cli, tmp_path
):
    gateway_stub.script.fail_messages = 1
    args = [*stub_target, "--maintenance-until", stamp(timedelta(hours=1))]
    result, runs, found = _probe(probe_cli, args, tmp_path)
    assert result.code == 1 and runs[0]["outcome"] == "expired" and runs[0]["maintenance"] == "maintenance"
    assert value(found, "gatewatch_probe_maintenance") == 1
    assert value(found, "gatewatch_probe_success") == 0  # the truth; alerts are silenced by the gauge


@pytest.mark.parametrize(
    ("extra", "flags", "expected"),
    [
        (
            window("2026-12-05T04:00:00Z", "2026-12-05T02:00:00Z"),
            [],
            "maintenance[0]: the maintenance window ends",
        ),
        (window("tomorrow", "2026-12-05T02:00:00Z"), [], "maintenance[0].start: expected an RFC 3339 time"),
        (window("2026-12-05T02:00:00", "2026-12-05T04:00:00Z"), [], "with its offset"),
        ('[[targets.sim.maintenance]]\nend = "2026-12-05T02:00:00Z"\n', [], "maintenance[0]"),
        ("degraded_after_s = { SMS = -1 }", [], "degraded_after_s"),
        ("confirm_failures = 1", [], "confirm_failures"),
        (window("2026-12-05T02:00:00Z", "2026-12-05T04:00:00Z", channels='["FAX"]'), [], "channels"),
        (
            "",
            ["--maintenance-until", "2020-01-01T00:00:00Z"],
            "--maintenance-until: expected a time still to come",
        ),
        ("", ["--maintenance-until", "soon"], "--maintenance-until: expected an RFC 3339 time"),
        ("", ["--maintenance-reason", "why"], "--maintenance-reason names a window"),
        ("", ["--degraded-after", "fast"], "--degraded-after: expected a positive duration"),
        ("", ["--degraded-after", "FAX=1s"], "unknown channel 'FAX'"),
        ("", ["--degraded-after", "2s"], "must be shorter than the deadline"),
    ],
)
def test_bad_values_are_one_line_and_exit_2(sim, tmp_path, probe_cli, monkeypatch, extra, flags, expected):
    args = _targets(sim, tmp_path, monkeypatch, extra)
    result = probe_cli(*args, "--channel", "SMS", *flags)
    assert result.code == 2, (result.out, result.err)
    assert expected in result.err and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert result.out == ""
