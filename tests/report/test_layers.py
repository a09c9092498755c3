"""gatewatch.report reads files, not the engines: it imports none of them, nor the CLI, pytest or Locust."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "gatewatch" / "report"
FORBIDDEN = (
    "gatewatch.suite",
    "gatewatch.loadtest",
    "gatewatch.probe",
    "gatewatch.simulator",
    "gatewatch.cli",
)
FOREIGN = ("locust", "gevent", "pytest", "click", "uvicorn", "requests")


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_the_report_imports_no_engine_and_no_adapter(path: Path) -> None:
    bad = {m for m in imports_of(path) if m.startswith(FORBIDDEN) or m.split(".")[0] in FOREIGN}
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_importing_the_report_stays_light() -> None:
    # hdrh is imported only when a load folder has HDR histograms to draw.
    heavy = ("locust", "pytest", "hdrh")
    code = f"import sys, gatewatch.report\nprint([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
