"""Which parts `gatewatch run` runs, and the verdict: pure functions of the target, flags and exit codes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gatewatch.contract import default_contract
from gatewatch.core.config import Run, local_target
from gatewatch.core.errors import ConfigError, ExitCode
from gatewatch.core.options import TargetOptions
from gatewatch.pipeline import PartResult, RunOptions, overall_exit, plan
from gatewatch.pipeline.plan import choose

CONTRACT = default_contract()
REPORTS = Path("/tmp/reports")


def run_of(**changes: object) -> Run:
    return Run(target=replace(local_target(CONTRACT), **changes), contract=CONTRACT)


def options(**changes: object) -> RunOptions:
    base = RunOptions(target=TargetOptions(target_name="x"), reports_dir=REPORTS)
    return replace(base, **changes)


def test_every_part_runs_against_the_embedded_simulator() -> None:
    parts = plan(run_of(), options())
    assert [p.name for p in parts] == ["contract", "load", "probe"]
    assert all(p.skipped is None for p in parts)
    contract = parts[0].args
    assert contract[:2] == ("--target", "x") and "--reports-dir" in contract and "--profile" in contract
    assert "--once" in parts[2].args and "all" in parts[2].args


def test_production_gets_the_read_only_suite_only() -> None:
    parts = plan(run_of(kind="production", base_url="https://gw.example.test/api"), options())
    assert [(p.name, p.skipped is None) for p in parts] == [
        ("contract", True),
        ("load", False),
        ("probe", False),
    ]
    assert "--allow-production" in (parts[1].skipped or "")
    allowed = plan(
        run_of(kind="production", base_url="http://127.0.0.1:9/api"), options(allow_production=True)
    )
    assert all(p.skipped is None for p in allowed)
    assert all("--allow-production" in p.args for p in allowed)


def test_load_stays_on_loopback_unless_allowed() -> None:
    remote = run_of(kind="staging", base_url="https://staging.example.test/api")
    assert "127.0.0.1" in (plan(remote, options())[1].skipped or "")
    assert plan(remote, options(allow_remote=True))[1].skipped is None


def test_a_dry_run_target_has_no_probe() -> None:
    assert "dry-run" in (plan(run_of(dry_run_sends=True), options())[2].skipped or "")


def test_only_and_skip_pick_the_parts_in_order() -> None:
    assert choose("probe,contract", None) == ("contract", "probe")
    assert choose(None, "load") == ("contract", "probe")
    with pytest.raises(ConfigError, match="--only: expected some of contract, load, probe"):
        choose("contract,soak", None)
    with pytest.raises(ConfigError, match="leave no part"):
        choose("load", "load")


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([0, 0, 0], ExitCode.OK),
        ([0, None, 0], ExitCode.OK),
        ([0, 1, 0], ExitCode.TARGET_FAILED),
        ([1, 3, None], ExitCode.UNREACHABLE),
        ([2, 1, 0], ExitCode.USAGE),
        ([0, 7], ExitCode.USAGE),
    ],
)
def test_the_run_exits_with_the_most_telling_code(codes: list[int | None], expected: ExitCode) -> None:
    results = [PartResult(f"p{i}", code) for i, code in enumerate(codes)]
    assert overall_exit(results) == expected


def test_a_part_not_run_says_why() -> None:
    assert PartResult("load", None, detail="production target").verdict == "not run: production target"
    assert PartResult("load", 1).verdict == "failed"
