"""The suite fails on every broken gateway in the catalogue, naming the broken rule, and
passes a conforming one with several seeds.

The runs happen once, two at a time (one per core), in a session fixture; each defect
is then its own test case, so a report names exactly which defect went uncaught.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gatewatch.contract import default_contract
from gatewatch.embedded import simulator_process
from gatewatch.simulator import catalogue
from tests.suite.conftest import SuiteRun, run_suite

DEFECTS = {spec.name: spec.rule for spec in catalogue(default_contract())}
CONFORMING_SEEDS = (1, 2, 3)
SEED = 20261130


def _run_against(defect: str | None, seed: int, reports: Path) -> SuiteRun:
    args = ["--defect", defect] if defect else []
    with simulator_process(args) as sim:
        return run_suite(reports, "--base-url", sim.base_url, "--seed", str(seed))


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SuiteRun]]:
    jobs: dict[str, tuple[str | None, int]] = {name: (name, SEED) for name in DEFECTS}
    jobs.update({f"conforming-{seed}": (None, seed) for seed in CONFORMING_SEEDS})
    base = tmp_path_factory.mktemp("matrix")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {key: pool.submit(_run_against, d, s, base / key) for key, (d, s) in jobs.items()}
        yield {key: future.result() for key, future in futures.items()}


@pytest.mark.slow
@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_the_suite_catches_the_defect(matrix: dict[str, SuiteRun], defect: str) -> None:
    run = matrix[defect]
    assert run.exit_code == 1, run.output[-3000:]
    assert DEFECTS[defect] in run.rules("failed"), (
        f"{defect} breaks {DEFECTS[defect]}, but the run named {sorted(run.rules('failed'))}"
    )
    assert run.summary["failures"], "a failing run lists its failures"
    assert all(f["reproduce"].startswith("gatewatch contract") for f in run.summary["failures"])


@pytest.mark.slow
@pytest.mark.parametrize("seed", CONFORMING_SEEDS)
def test_the_suite_passes_a_conforming_gateway(matrix: dict[str, SuiteRun], seed: int) -> None:
    run = matrix[f"conforming-{seed}"]
    assert run.exit_code == 0, run.output[-3000:]
    assert run.rules("failed") == set()
    assert run.rules("skipped") == set(), "with both keys every rule is exercised"
    assert run.summary["seed"] == seed
