"""The rate-limit rules are judged against a gateway 100 ms away, and catch its throttling defects.

A remote gateway answers in tens of milliseconds at best; at 100 ms an answer, requests
sent one after another reach 10 a second, never the production plan's 50, so a
sequential burst could never show the limit either way. The simulator here adds 100 ms
to every answer and enforces the production plan; only the rate-limit test of the suite
runs (-k), so each run takes seconds, not a whole suite at 100 ms an answer.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gatewatch.contract import resolve_contract
from gatewatch.core.embedded import simulator_process
from tests.suite.conftest import SuiteRun, run_suite

VENDOR = resolve_contract("vendor")
PLAN = "production"
LATENCY = "100ms"
# The burst's own rules; throttled_below_limit is judged on every 429 the burst met.
BURST_RULES = ("rate_limit_enforced", "rate_limit_body", "rate_limit_headers", "throttled_below_limit")
DEFECTS = {
    "rate_limit_never": "rate_limit_enforced",
    "rate_limit_html": "rate_limit_body",
    "rate_limit_no_retry_after": "rate_limit_body",
    "rate_limit_headers_missing": "rate_limit_headers",
}


def _run(defect: str | None, reports: Path) -> SuiteRun:
    sim_args = ["--rate-limit", PLAN, "--latency", LATENCY, *(["--defect", defect] if defect else [])]
    with simulator_process(sim_args, contract=VENDOR) as sim:
        return run_suite(reports, "--base-url", sim.base_url, "--rate-limit", PLAN, "-k", "rate_limit")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str | None, SuiteRun]:
    base = tmp_path_factory.mktemp("latency")
    keys: list[str | None] = [None, *DEFECTS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {key: pool.submit(_run, key, base / (key or "conforming")) for key in keys}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.slow
def test_a_conforming_gateway_100ms_away_has_its_limit_judged(runs: dict[str | None, SuiteRun]) -> None:
    run = runs[None]
    assert run.exit_code == 0, run.output[-3000:]
    rules = run.summary["rules"]
    assert {rule: rules[rule]["status"] for rule in BURST_RULES} == dict.fromkeys(BURST_RULES, "passed")
    assert run.summary["throttled"]["count"] > 0, "the burst met the limit"


@pytest.mark.slow
@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_throttling_defects_are_caught_100ms_away(runs: dict[str | None, SuiteRun], defect: str) -> None:
    run = runs[defect]
    assert run.exit_code == 1, run.output[-3000:]
    assert DEFECTS[defect] in run.rules("failed"), (defect, sorted(run.rules("failed")))
