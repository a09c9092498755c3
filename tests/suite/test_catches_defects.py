"""The suite fails on every broken gateway in each dialect's catalogue, naming the broken
rule, and passes a conforming one with every rule exercised.

The runs happen once, two at a time (one per core), in a module fixture; each defect is
then its own test case, so a report names exactly which defect went uncaught. Defects
that need a rate limit run with one on the simulator and the suite alike.

A defect's run stops at its first failing test (-x): the assertion is that the run fails
and names the defect's rule, which the first failure must then do by itself, and the
matrix of both dialects' catalogues takes a third of the time it would otherwise
(`benchmarks/defect_matrix.py` without -x gives the whole runs' figures).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from gatewatch.contract import dialect_names, resolve_contract
from gatewatch.core.embedded import simulator_process
from gatewatch.simulator import catalogue
from tests.suite.conftest import (
    LOCAL_WEBHOOKS,
    RATE_LIMIT_RULES,
    TEST_RATE_LIMIT,
    TRANSIENT_500S,
    SuiteRun,
    assert_every_rule_exercised,
    not_exercised,
    run_suite,
)

SEED = 20261130


@dataclass(frozen=True)
class Job:
    """One suite run against one simulator."""

    dialect: str
    defect: str | None
    rule: str | None
    rate_limited: bool
    seed: int = SEED
    simulator_extra: tuple[str, ...] = ()


def _jobs() -> dict[str, Job]:
    jobs: dict[str, Job] = {}
    for dialect in dialect_names():
        contract = resolve_contract(dialect)
        for spec in catalogue(contract):
            jobs[f"{dialect}:{spec.name}"] = Job(dialect, spec.name, spec.rule, spec.needs_rate_limit)
        conforming = tuple(TRANSIENT_500S)
        jobs[f"{dialect}:conforming"] = Job(dialect, None, None, False, 2, conforming)
        if contract.rate_limits.enabled:
            jobs[f"{dialect}:conforming-limited"] = Job(dialect, None, None, True, 1, conforming)
    return jobs


JOBS = _jobs()
DEFECTS = sorted(key for key, job in JOBS.items() if job.defect is not None)
CONFORMING = sorted(key for key, job in JOBS.items() if job.defect is None)
# The first test waits for the whole matrix (two runs at a time): its bound grows with the
# catalogue, not pytest-timeout's default for one test, and is generous on a shared machine.
MATRIX_TIMEOUT_S = 20 * len(JOBS)


def _run(job: Job, reports: Path) -> SuiteRun:
    sim_args = [*(["--defect", job.defect] if job.defect else []), *job.simulator_extra, *LOCAL_WEBHOOKS]
    suite_args = ["--contracts", job.dialect, "--seed", str(job.seed)]
    if job.defect is not None:
        suite_args.append("-x")
    if job.rate_limited:
        sim_args += ["--rate-limit", TEST_RATE_LIMIT]
        suite_args += ["--rate-limit", TEST_RATE_LIMIT]
    with simulator_process(sim_args, contract=resolve_contract(job.dialect)) as sim:
        return run_suite(reports, "--base-url", sim.base_url, *suite_args)


DRIFT_KEY = "vendor:status_field_english"


def _selected(session: pytest.Session) -> set[str]:
    """The jobs the selected tests of this module read (all of them unless -k narrows the run)."""
    here = Path(__file__)
    keys: set[str] = set()
    for item in session.items:
        if item.path != here:
            continue
        params = getattr(getattr(item, "callspec", None), "params", {})
        keys.add(params.get("key", DRIFT_KEY))
    return keys


@pytest.fixture(scope="module")
def matrix(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[dict[str, SuiteRun]]:
    base = tmp_path_factory.mktemp("matrix")
    started = time.monotonic()
    wanted = _selected(request.session)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            key: pool.submit(_run, job, base / key.replace(":", "-"))
            for key, job in JOBS.items()
            if key in wanted
        }
        runs = {key: future.result() for key, future in futures.items()}
    print(f"\n{len(runs)} suite runs in {time.monotonic() - started:.0f} s")
    yield runs


@pytest.mark.slow
@pytest.mark.timeout(MATRIX_TIMEOUT_S)
@pytest.mark.parametrize("key", DEFECTS)
def test_the_suite_catches_the_defect(matrix: dict[str, SuiteRun], key: str) -> None:
    run, job = matrix[key], JOBS[key]
    assert run.exit_code == 1, run.output[-3000:]
    assert job.rule in run.rules("failed"), (
        f"{job.defect} breaks {job.rule}, but the run named {sorted(run.rules('failed'))}"
    )
    assert run.summary["failures"], "a failing run lists its failures"
    assert all(f["reproduce"].startswith("gatewatch contract") for f in run.summary["failures"])


@pytest.mark.slow
@pytest.mark.timeout(MATRIX_TIMEOUT_S)
def test_field_name_drift_is_said_in_one_line(matrix: dict[str, SuiteRun]) -> None:
    contract = resolve_contract("vendor")
    run = matrix[DRIFT_KEY]
    expected = f"field {contract.fields.status!r} expected, 'deliveryStatus' came instead"
    examples = run.summary["rules"]["response_schema"]["examples"]
    assert any(expected in e for e in examples), examples
    assert expected in run.output
    assert "names.renames" in run.output, "the failure says which edit switches the contract"


@pytest.mark.slow
@pytest.mark.timeout(MATRIX_TIMEOUT_S)
@pytest.mark.parametrize("key", CONFORMING)
def test_the_suite_passes_a_conforming_gateway(matrix: dict[str, SuiteRun], key: str) -> None:
    run, job = matrix[key], JOBS[key]
    contract = resolve_contract(job.dialect)
    assert run.exit_code == 0, run.output[-3000:]
    assert run.rules("failed") == set()
    assert run.summary["seed"] == job.seed
    assert run.summary["server_errors"] > 0, "the transient 500s came and were retried"
    if job.rate_limited:
        assert_every_rule_exercised(run)
        assert run.summary["throttled"]["count"] > 0, "the burst met the limit"
        return
    missing = not_exercised(run)
    # Besides the rate-limit rules (no limit here), only what the dialect switches off (strict:
    # no simulation send, so no webhook_no_simulation) is left, with the contract's reason.
    switched_off = {rule_id for rule_id, rule in contract.rules.items() if not rule.enabled}
    assert set(missing) == RATE_LIMIT_RULES | switched_off, missing
    for rule, reason in missing.items():
        if contract.enabled(rule):
            assert "no rate limit configured" in reason, (rule, reason)
        else:
            assert reason == contract.rule(rule).reason, (rule, reason)
