"""The load summary round trip: what build_summary writes, the report reads back as the same record."""

from __future__ import annotations

import json
from pathlib import Path

from gatewatch.contract import default_contract
from gatewatch.core.ratelimit import RateLimit
from gatewatch.core.records.load_summary import ALL_KINDS, LOAD_SUMMARY_VERSION, LoadSummary
from gatewatch.loadtest.gates import evaluate, parse_slo
from gatewatch.loadtest.kinds import KINDS, KNOWN
from gatewatch.loadtest.ramp import RampPlan
from gatewatch.loadtest.recorder import Recorder
from gatewatch.loadtest.summary import RunInfo, build_summary, write_summary
from gatewatch.report._read import read_record
from gatewatch.report.load_source import read_load
from gatewatch.report.model import Verdict

T0 = 1_800_000_000.0
CONTRACT = default_contract()
SLO = parse_slo({"warmup_s": 1, "latency_ms": {"known": {"p95": 200}}, "max_failure_ratio": 0.5}, "slo.yaml")


def _recorder() -> Recorder:
    recorder = Recorder(measure_from=T0)
    recorder.record(KNOWN, 80.0, False, T0 - 0.5)  # warm-up
    for i in range(40):
        recorder.record(KINDS[i % len(KINDS)], 10.0 + i, i % 10 == 0, T0 + i / 10)
    recorder.record(KNOWN, 1.0, False, T0 + 1, throttled=True)
    recorder.violation("echo_id", "[echo_id (pinned)] customerMessageId differs")
    return recorder


def test_the_summary_written_is_the_summary_read(tmp_path: Path) -> None:
    recorder = _recorder()
    results = evaluate(SLO, recorder, active=KINDS, open_model=False)
    info = RunInfo(
        run_id="r1",
        target_name="local",
        target_kind="local",
        base_url="http://127.0.0.1:9/api",
        model="closed",
        users=4,
        arrival_rate=0.0,
        workers=1,
        mix="known=100",
        validate_sample=0.1,
        locust_requests=42,
        locust_failures=4,
    )
    summary = build_summary(
        info=info,
        slo=SLO,
        results=results,
        recorder=recorder,
        contract=CONTRACT,
        active=KINDS,
        exit_code=0,
        ramp=RampPlan(RateLimit(per_second=20)),
    )
    path = write_summary(summary, tmp_path / "load")
    doc = json.loads(path.read_text())
    assert doc["version"] == LOAD_SUMMARY_VERSION and doc[ALL_KINDS]["requests"] == 40
    decoded = read_record(path, LoadSummary)
    assert decoded.problems == ()
    assert decoded.record == summary
    assert summary.ramp is not None and summary.ramp.onset is not None  # the nested records survive too
    part = read_load(tmp_path)
    assert part.problems == () and part.verdict is Verdict.PASSED
    assert [g.name for g in part.gates] == [g.name for g in results]
    rows = {row.kind: row for row in part.kinds}
    assert set(rows) == {*KINDS, ALL_KINDS} and rows[ALL_KINDS].requests == 40 and rows[KNOWN].throttled == 1
    assert part.violations == {"echo_id": 1} and part.throttled == 1
