"""The installed pytest plugin changes nothing in a pytest run that is not running the suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _pytest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("GATEWATCH_")},
    )


def test_every_option_it_adds_is_prefixed(tmp_path: Path) -> None:
    out = _pytest("--help", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    section = out.stdout.split("gatewatch contract suite:", 1)[1].split("\n\n", 1)[0]
    flags = [line.split()[0].split("=")[0] for line in section.splitlines() if line.strip().startswith("--")]
    assert flags and all(flag.startswith("--gatewatch-") for flag in flags), flags
    assert "--gatewatch-base-url" in flags and "--gatewatch-rate-limit" in flags


def test_an_unrelated_run_keeps_its_seed_its_fixtures_and_its_header(tmp_path: Path) -> None:
    (tmp_path / "test_other.py").write_text(
        "from hypothesis import given, strategies as st\n"
        "def test_fixtures(request):\n"
        "    assert not [f for f in request.fixturenames if f.startswith(('gw', '_gw', '_suite'))]\n"
        "@given(st.integers())\n"
        "def test_seeded(x):\n"
        "    pass\n"
    )
    out = _pytest("-q", "--hypothesis-show-statistics", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "gatewatch: seed" not in out.stdout
    assert "hypothesis_seed" not in out.stdout
