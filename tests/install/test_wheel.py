"""What ships is what runs: the wheel, installed into a new virtualenv, works from an empty folder.

The wheel is built from this checkout, installed with its load extra into a virtualenv
outside it, and each command runs to a pass in an empty folder: everything it needs
(the suite, the default SLO file, both dialects) must come from the package.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _run(argv: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWATCH_", "PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The bin/ folder of a new virtualenv with the wheel and its load extra installed."""
    base = tmp_path_factory.mktemp("wheel")
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(base / "dist"), str(ROOT)], base
    )
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((base / "dist").glob("gatewatch-*.whl"))
    venv = base / "venv"
    assert _run([sys.executable, "-m", "venv", str(venv)], base).returncode == 0
    pip = _run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", f"{wheel}[load]"], base, timeout=900
    )
    assert pip.returncode == 0, pip.stderr[-2000:]
    yield venv / "bin"


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def test_the_wheel_carries_the_suite_the_gates_and_both_dialects(installed: Path, empty: Path) -> None:
    code = (
        "import gatewatch, pathlib; from gatewatch.suite.locate import suite_dir; "
        "from gatewatch.loadtest.settings import default_slo_file; "
        "from gatewatch.contract import dialect_names; "
        "print(pathlib.Path(gatewatch.__file__).parent); print(suite_dir()); print(default_slo_file()); "
        "print(','.join(dialect_names()))"
    )
    out = _run([str(installed / "python"), "-c", code], empty)
    assert out.returncode == 0, out.stderr
    package, suite, slo, dialects = out.stdout.split()
    assert suite.startswith(package) and Path(suite, "conftest.py").is_file()
    assert slo.startswith(package) and Path(slo).is_file()
    assert dialects == "vendor,strict"
    assert str(ROOT) not in out.stdout


def test_gatewatch_run_passes_from_an_empty_folder(installed: Path, empty: Path) -> None:
    out = _run([str(installed / "gatewatch"), "run", "--load-duration", "5s"], empty)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert (empty / "reports" / "index.html").is_file()


@pytest.mark.parametrize(
    "args",
    [["contract"], ["contract", "--contracts", "strict"], ["load", "--duration", "5s"], ["probe", "--once"]],
    ids=["contract", "contract-strict", "load", "probe"],
)
def test_each_command_passes_from_an_empty_folder(installed: Path, empty: Path, args: list[str]) -> None:
    out = _run([str(installed / "gatewatch"), *args], empty)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]


def test_probe_rules_writes_the_shipped_slos_rules_from_an_empty_folder(installed: Path, empty: Path) -> None:
    out = _run([str(installed / "gatewatch"), "probe-rules"], empty)
    assert out.returncode == 0, out.stderr[-2000:]
    assert (ROOT / "synthetic" / "slo-rules.yml").read_text() == out.stdout


def test_simulate_prints_ready_and_stops_on_sigterm(installed: Path, empty: Path) -> None:
    proc = subprocess.Popen(
        [str(installed / "gatewatch"), "simulate", "--port", "0"],
        cwd=empty,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        line = ""
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline and not line.startswith("READY "):
                if sel.select(timeout=max(0.0, deadline - time.monotonic())):
                    line = proc.stdout.readline()
                    if not line:
                        break
        assert line.startswith("READY http://127.0.0.1:"), line
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        if proc.stdout is not None:
            proc.stdout.close()
