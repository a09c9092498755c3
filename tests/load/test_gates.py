"""The SLO file: typed gates, errors that name the file and key, and the verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatewatch.core.errors import ConfigError
from gatewatch.loadtest.gates import evaluate, load_slo, parse_slo, passed
from gatewatch.loadtest.recorder import Recorder
from gatewatch.loadtest.summary import render_table
from tests.load.conftest import SLO_FILE

T0 = 1_800_000_000.0


def test_the_repository_gates_load() -> None:
    slo = load_slo(SLO_FILE)
    assert slo.warmup_s >= 0
    assert {g.kind for g in slo.latency} == {"known", "other_channel", "unknown", "batch"}
    assert {g.percentile for g in slo.latency} == {95.0, 99.0}
    assert slo.max_failure_ratio is not None and slo.min_throughput_rps is not None


@pytest.mark.parametrize(
    ("doc", "key", "words"),
    [
        (
            {"latency_ms": {"known": {"p95": 1}}, "max_error_ratio": 0.1},
            None,
            "unknown keys ['max_error_ratio']",
        ),
        ({"latency_ms": {"sms": {"p95": 1}}}, "latency_ms.sms", "unknown request kind"),
        ({"latency_ms": {"known": {"95th": 1}}}, "latency_ms.known", "percentile key"),
        ({"latency_ms": {"known": {"p95": -1}}}, "latency_ms.known.p95", "number >"),
        ({"latency_ms": {"known": {"p101": 1}}}, "latency_ms.known", "percentile key"),
        ({"max_failure_ratio": 2}, "max_failure_ratio", "ratio between 0 and 1"),
        ({"min_throughput_rps": "fast"}, "min_throughput_rps", "expected a number"),
        ({"warmup_s": 5}, None, "declares no gate"),
    ],
)
def test_a_bad_slo_file_names_the_file_and_the_key(doc: object, key: str | None, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_slo(doc, "load/slo.yaml")
    assert caught.value.file == "load/slo.yaml"
    assert caught.value.key == key
    assert words in str(caught.value)


def test_an_unreadable_or_broken_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_slo(tmp_path / "missing.yaml")
    broken = tmp_path / "slo.yaml"
    broken.write_text("latency_ms: {known: [", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_slo(broken)


def recorder_with(latencies_ms: list[float], failures: int = 0, span_s: float = 10.0) -> Recorder:
    recorder = Recorder(measure_from=T0)
    for i, latency in enumerate(latencies_ms):
        at = T0 + span_s * i / max(1, len(latencies_ms) - 1)
        recorder.record("known", latency, i < failures, at)
    return recorder


def test_gates_pass_fail_and_skip() -> None:
    slo = parse_slo(
        {
            "latency_ms": {"known": {"p95": 50, "p99": 100}, "batch": {"p95": 10}, "all": {"p50": 5}},
            "max_failure_ratio": 0.05,
            "min_throughput_rps": 5,
            "max_dropped_ratio": 0.01,
        },
        "slo.yaml",
    )
    recorder = recorder_with([10.0] * 95 + [80.0] * 5, failures=2)
    results = {r.name: r for r in evaluate(slo, recorder, active=["known"], open_model=False)}
    assert results["latency known p95"].status == "pass"
    assert results["latency known p99"].status == "pass"
    assert results["latency batch p95"].status == "skip"  # not in the mix
    assert results["latency all p50"].status == "fail"
    assert results["failure ratio"].status == "pass"
    assert results["failure ratio"].measured == pytest.approx(0.02)
    assert results["throughput"].status == "pass"
    assert results["dropped starts"].status == "skip"  # closed model
    assert not passed(list(results.values()))
    table = render_table(list(results.values()), slo)
    assert "RESULT: FAIL (1 of 7 gates failed)" in table


def test_nothing_measured_never_passes() -> None:
    slo = parse_slo(
        {"latency_ms": {"known": {"p99": 100}}, "max_failure_ratio": 0.5, "min_throughput_rps": 1}, "s"
    )
    results = evaluate(slo, Recorder(measure_from=T0), active=["known"], open_model=False)
    assert [r.status for r in results] == ["fail", "fail", "fail"]


def test_the_dropped_starts_gate_reads_the_open_model_schedule() -> None:
    slo = parse_slo({"max_dropped_ratio": 0.01, "max_failure_ratio": 0.5}, "s")
    recorder = recorder_with([5.0] * 10)
    recorder.schedule(95, {"no_slot": 4, "late": 1}, T0 + 1)
    dropped = next(
        r for r in evaluate(slo, recorder, active=["known"], open_model=True) if "dropped" in r.name
    )
    assert dropped.status == "fail"
    assert dropped.measured == pytest.approx(0.05)
    assert "4 no_slot" in dropped.detail and "1 late" in dropped.detail
