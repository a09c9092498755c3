"""Short runs of `gatewatch load` against the simulator: the gates say yes or no, for the right reason."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable

from hdrh.histogram import HdrHistogram

from gatewatch.contract import default_contract
from gatewatch.loadtest.kinds import KINDS, request_name
from tests.load.conftest import Run

SIM_KEY = {"GATEWATCH_API_KEY": "key-a"}
LATENCY_GATES = {f"latency {kind} p{p}" for kind in KINDS for p in (95, 99)}


def test_the_conforming_simulator_passes_every_gate(gatewatch_load: Callable[..., Run]) -> None:
    run = gatewatch_load()  # no target: the embedded simulator is started
    assert run.code == 0, run.output[-4000:]
    summary = run.summary
    assert summary["passed"] is True
    assert summary["target"]["kind"] == "local"
    assert {kind for kind, row in summary["kinds"].items() if row["requests"] > 0} == set(KINDS)
    assert summary["cross_check"]["recorded_requests"] == summary["cross_check"]["locust_requests"]
    assert "RESULT: PASS" in run.stdout
    assert {"locust_stats.csv", "locust_failures.csv", "locust.html", "summary.json"} <= {
        p.name for p in run.reports.iterdir()
    }
    # One statistics row per kind of request, not one per id.
    with (run.reports / "locust_stats.csv").open(encoding="utf-8") as handle:
        names = {row["Name"] for row in csv.DictReader(handle)}
    contract = default_contract()
    assert names == {request_name(contract, kind) for kind in KINDS} | {"Aggregated"}
    # The measured HDR histograms are written for the report page: one per kind, warm-up
    # excluded, so their counts are the summary's measured requests.
    shipped = json.loads((run.reports / "histograms.json").read_text())
    assert shipped["format"] == "hdrhistogram-compressed-base64" and shipped["unit"] == "us"
    for kind, text in shipped["histograms"].items():
        counted = HdrHistogram.decode(text.encode("ascii")).get_total_count()
        assert counted == summary["kinds"][kind]["requests"], kind


def test_injected_latency_fails_the_latency_gates(
    gatewatch_load: Callable[..., Run], simulator: Callable[..., str]
) -> None:
    url = simulator("--latency", "300ms")
    run = gatewatch_load("--base-url", url, env=SIM_KEY)
    assert run.code == 1, run.output[-4000:]
    failed = run.failed_gates()
    assert "latency known p95" in failed
    assert failed <= LATENCY_GATES | {"throughput"}
    assert run.gate("failure ratio")["status"] == "pass"
    assert run.gate("latency known p95")["measured"] >= 300


def test_injected_500s_fail_the_failure_ratio_gate(
    gatewatch_load: Callable[..., Run], simulator: Callable[..., str]
) -> None:
    url = simulator("--error-rate", "0.1")
    run = gatewatch_load("--base-url", url, env=SIM_KEY)
    assert run.code == 1, run.output[-4000:]
    assert run.failed_gates() == {"failure ratio"}
    assert 0.05 <= run.gate("failure ratio")["measured"] <= 0.2
    assert "RESULT: FAIL" in run.stdout


def test_a_schema_breaking_defect_shows_up_as_failures_and_the_key_is_never_written(
    gatewatch_load: Callable[..., Run], simulator: Callable[..., str]
) -> None:
    secret = "load-secret-7c1e9a"
    url = simulator(
        "--defect", "status_lowercase", "--keys-env", "EXTRA_KEYS", env={"EXTRA_KEYS": f"{secret}=A"}
    )
    run = gatewatch_load("--base-url", url, "--validate-sample", "1", env={"GATEWATCH_API_KEY": secret})
    assert run.code == 1, run.output[-4000:]
    summary = run.summary
    assert summary["violations"]["status_in_enum"]["count"] > 0
    assert summary["kinds"]["known"]["failures"] > 0
    assert "failure ratio" in run.failed_gates()
    failures_csv = (run.reports / "locust_failures.csv").read_text(encoding="utf-8")
    assert "status_in_enum" in failures_csv
    for path in run.reports.iterdir():
        assert secret not in path.read_text(encoding="utf-8", errors="replace"), path.name
    assert secret not in run.output


def test_the_failure_ratio_not_a_single_error_decides(
    gatewatch_load: Callable[..., Run], simulator: Callable[..., str]
) -> None:
    # Every 200th answer is a 500: Locust sees failed requests, the 1% gate is kept.
    url = simulator("--error-rate", "0.005")
    run = gatewatch_load("--base-url", url, env=SIM_KEY)
    assert run.code == 0, run.output[-4000:]
    assert run.summary["cross_check"]["locust_failures"] > 0
    assert run.gate("failure ratio")["status"] == "pass"


def test_a_setup_that_gets_no_ids_ends_the_run_and_says_why(
    gatewatch_load: Callable[..., Run], simulator: Callable[..., str]
) -> None:
    url = simulator("--defect", "send_missing_id")
    run = gatewatch_load("--base-url", url, env=SIM_KEY)
    assert run.code == 1, run.output[-4000:]
    assert "got no id on" in run.summary["setup_error"]["message"]
    assert "RESULT: ERROR (setup failed" in run.stdout
    assert "Traceback" not in run.output
