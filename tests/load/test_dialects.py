"""The strict dialect end to end, on a master and two workers: every Locust process judges by it."""

from __future__ import annotations

from collections.abc import Callable

from gatewatch.contract import resolve_contract
from gatewatch.loadtest.kinds import KINDS, request_name
from tests.load.conftest import Run


def test_a_strict_run_on_workers_speaks_strict_everywhere(gatewatch_load: Callable[..., Run]) -> None:
    # The embedded simulator serves strict (Bearer keys, customerMessageIds, the batch
    # object); a worker still on the vendor dialect could not even send its setup messages.
    run = gatewatch_load(
        "--contracts", "strict", "--processes", "2", "--users", "6", "--validate-sample", "1"
    )
    assert run.code == 0, run.output[-4000:]
    summary = run.summary
    assert summary["workers"] == 2 and summary["violations"] == {}
    assert {kind for kind, row in summary["kinds"].items() if row["requests"] > 0} == set(KINDS)
    strict = resolve_contract("strict")
    assert {row["name"] for row in summary["kinds"].values()} == {request_name(strict, k) for k in KINDS}
