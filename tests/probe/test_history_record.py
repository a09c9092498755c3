"""history.jsonl round trip: each line the probe appends, the probe and the report read back as it was."""

from __future__ import annotations

from pathlib import Path

from gatewatch.checks import Violation
from gatewatch.core.records.probe_history import HISTORY_VERSION, AbandonedLine, SentLine, read_lines
from gatewatch.probe.engine import RunResult, SentMessage
from gatewatch.probe.history import History, late_record, rfc3339, run_record
from gatewatch.probe.late import LateCheck, PendingMessage
from gatewatch.probe.outcomes import Outcome
from gatewatch.probe.timing import StatusTiming
from gatewatch.report.model import Verdict
from gatewatch.report.probe_source import read_probe

T0 = 1_800_000_000.0
VIOLATION = Violation("echo_id", "pinned", "customerMessageId differs")


def _result(run_id: str, outcome: Outcome, final: str | None) -> RunResult:
    statuses = (
        StatusTiming("SENT", 0.0, 0.0, 0.1, False),
        StatusTiming("DELIVERED", 2.00004, 1.5, 2.5, True),
    )
    return RunResult(
        run_id=run_id,
        target="local",
        channel="SMS",
        to="***0001",
        outcome=outcome,
        reason=None if final else "still SENT at the 8 s deadline",
        message_id=f"GW-{run_id}",
        final_status=final,
        last_status="SENT",
        statuses=statuses if final else statuses[:1],
        lookups=3,
        requests=4,
        server_errors=1,
        transport_errors=0,
        violations=(VIOLATION,),
        started_at=T0,
        sent_at=T0 + 0.1,
        duration_s=2.5,
        deadline_s=8.0,
        throttled=1,
        throttled_wait_s=0.25,
    )


def test_every_line_written_is_the_line_read(tmp_path: Path) -> None:
    path = tmp_path / "probe" / "history.jsonl"
    history = History(path, target="local", max_pending=10, max_age_s=3600)
    history.record_sent(SentMessage("a1", "local", "SMS", "GW-a1", T0 + 0.1))
    delivered = history.record_run(_result("a1", Outcome.DELIVERED, "DELIVERED"))
    stuck = history.record_run(_result("a2", Outcome.STUCK, None))
    pending = history.pending()[0]
    check = LateCheck(
        pending=pending,
        checked_at=T0 + 60,
        reachable=True,
        status="DELIVERED",
        outcome=Outcome.DELIVERED,
        timing=StatusTiming("DELIVERED", 30.0, 20.0, 40.0, False),
    )
    history.record_late(check)
    gone = PendingMessage("a3", "local", "SMS", "GW-a3", T0, None, T0)
    history.record_abandoned(gone, "too old")
    sent = SentLine(run_id="a1", target="local", channel="SMS", message_id="GW-a1", sent_at=rfc3339(T0 + 0.1))
    abandoned = AbandonedLine(
        run_id="a3", target="local", channel="SMS", message_id="GW-a3", reason="too old"
    )
    read = read_lines(path.read_bytes().split(b"\n"))
    assert (read.skipped, read.damaged) == ((), ())
    assert list(read.lines) == [sent, delivered, stuck, late_record(check), abandoned]
    assert delivered == run_record(_result("a1", Outcome.DELIVERED, "DELIVERED"))
    assert all(line.version == HISTORY_VERSION for line in read.lines)
    # The probe reads its own file back the same way: the pending message was settled.
    assert History(path, target="local", max_pending=10, max_age_s=3600).pending() == []
    part = read_probe(tmp_path)
    assert part.problems == () and part.verdict is Verdict.FAILED  # the latest run was stuck
    runs = part.runs["SMS"]
    assert [r.outcome for r in runs] == ["delivered", "stuck"]
    assert runs[0].statuses[1].at_s == 2.0 and runs[0].violations == (
        "[echo_id (pinned)] customerMessageId differs",
    )
    assert [(r.kind, r.outcome) for r in part.late] == [("late", "delivered"), ("abandoned", None)]
