"""The package's public API is exactly what __all__ says, and the CLI is thin and safe."""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

import gatewatch

CLI = [sys.executable, "-c", "from gatewatch.cli import main; main()"]


def test_the_public_api_is_explicit() -> None:
    exported = {
        name
        for name, value in vars(gatewatch).items()
        if not name.startswith("_") and not isinstance(value, ModuleType) and name != "annotations"
    }
    assert set(gatewatch.__all__) == exported | {"__version__"}


def test_the_top_level_import_does_not_pull_in_locust_or_the_server() -> None:
    code = (
        "import sys, gatewatch; print(sorted(m for m in ('locust', 'gevent', 'uvicorn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_help_lists_every_command() -> None:
    out = subprocess.run([*CLI, "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0
    for command in ("contract", "load", "probe", "simulate"):
        assert command in out.stdout


def test_an_unknown_command_or_flag_is_exit_2_without_traceback() -> None:
    for args in (["nope"], ["contract", "--no-such-flag"], ["simulate", "--defect", "no_such_defect"]):
        out = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, check=False)
        assert out.returncode == 2, args
        assert "Traceback" not in out.stderr + out.stdout


def test_a_key_is_never_accepted_as_a_flag_value() -> None:
    out = subprocess.run(
        [*CLI, "contract", "--api-key", "secret"], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 2
