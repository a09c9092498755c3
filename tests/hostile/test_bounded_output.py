"""A target answering 2 MB to everything gets a bounded console and a bounded reports folder.

Each answer is valid JSON of the gateway's shape with a 2 MB status description, so the
checks parse and judge it whole, while what the harness keeps (64 KiB of a body), prints
(a couple of KiB per text) and attaches (a budget per run) stays small. The run still ends
with its verdict.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatewatch.core.config import DEFAULT_KEY_ENV
from tests.hostile.conftest import TRACEBACK, files_under, run_cli
from tests.hostile.servers import HostileServer

# Against 2 MB answers the unbounded harness printed and wrote hundreds of MB.
CONSOLE_MAX_BYTES = 2 * 1024 * 1024
REPORTS_MAX_BYTES = 20 * 1024 * 1024


@pytest.mark.slow
def test_two_megabyte_answers_give_bounded_output(tmp_path: Path, huge_server: HostileServer) -> None:
    reports = tmp_path / "reports"
    env = {DEFAULT_KEY_ENV: "key-a"}
    target = ("--base-url", huge_server.base_url, "--reports-dir", str(reports))
    suite = run_cli("contract", *target, env=env, cwd=tmp_path)
    probe = run_cli("probe", "--once", *target, env=env, cwd=tmp_path)
    for run in (suite, probe):
        assert TRACEBACK not in run.output, run.output[-3000:]
        assert len(run.output.encode()) < CONSOLE_MAX_BYTES, (run.args, len(run.output))
    written = sum(p.stat().st_size for p in files_under(reports))
    assert written < REPORTS_MAX_BYTES

    # A verdict: the suite judged the answers whole (they are 200s to unknown ids) and failed.
    assert suite.exit_code == 1, suite.output[-3000:]
    summary = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    assert summary["result"] == "failed" and summary["rules"]["unknown_id_not_found"]["status"] == "failed"
    assert "bytes, first 65,536 kept" in "".join(
        p.read_text(errors="replace") for p in files_under(reports / "allure-results")
    )
    # The probe's message was delivered (its description, the 2 MB text, is cut in its line).
    assert probe.exit_code == 0, probe.output[-3000:]
    assert "probe outcome=delivered" in probe.output
    assert "characters, first 2,000 shown" in probe.output
