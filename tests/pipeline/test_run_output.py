"""What `gatewatch run` prints without a terminal: heartbeat lines with counts, and what failed."""

from __future__ import annotations

import re
from pathlib import Path

from gatewatch.simulator import Simulator, SimulatorConfig
from tests.pipeline.test_run import gatewatch

KEYS = {"GATEWATCH_API_KEY": "key-a", "GATEWATCH_SECOND_API_KEY": "key-b"}
# What the parts' raw output looks like: pytest's progress dots, Locust's table rules and headers.
RAW = re.compile(r"^[.FsEx]{3,}|\[ *\d+%\]|^[-=|]{20,}|Type +Name|Percentage of the requests", re.M)


def test_without_a_terminal_each_part_beats_with_counts_and_no_raw_output(tmp_path: Path) -> None:
    out = gatewatch(
        "run",
        "--only",
        "contract,load",
        "--load-duration",
        "4s",
        "--reports-dir",
        "r",
        cwd=tmp_path,
        env={"GATEWATCH_API_KEY": "key-a"},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"^contract  running \d+ s  \d+/\d+ tests, 0 failed$", out.stdout, re.M), out.stdout
    assert re.search(
        r"^load      running \d+ s  \d+ requests, [\d.]+/s, 0 failed, 0 throttled$", out.stdout, re.M
    )
    assert not RAW.search(out.stdout), out.stdout
    assert RAW.search((tmp_path / "r" / "run" / "contract.log").read_text())  # it went to the log
    assert "contract  passed (" in out.stdout and "load      passed (" in out.stdout


def test_a_failed_contract_part_shows_the_failed_rules_and_replay_lines_first(tmp_path: Path) -> None:
    with Simulator(SimulatorConfig(defects=("echo_id_wrong",))) as sim:
        out = gatewatch(
            "run",
            "--base-url",
            sim.base_url,
            "--only",
            "contract",
            "--reports-dir",
            str(tmp_path / "r"),
            cwd=tmp_path,
            env=KEYS,
        )
    assert out.returncode == 1, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    start = lines.index("--- contract: what failed ---")
    assert lines[start + 1].startswith("rule echo_id (pinned): ")
    assert "replay:" in lines[start:]
    replay = lines[lines.index("replay:", start) + 1].strip()
    assert replay.startswith("gatewatch contract --base-url ") and " --seed " in replay and " -k " in replay
    log_tail = lines.index(
        f"--- contract: the end of its output (all of it in {tmp_path / 'r' / 'run' / 'contract.log'}) ---"
    )
    assert start < log_tail
