"""ARCHITECTURE.md's layers, checked: each is a folder of src/gatewatch, and imports point down only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "gatewatch"

# Each part of src/gatewatch (a folder, or a module of the top level) and the parts it may
# import besides itself: the layers of ARCHITECTURE.md, lowest first.
ALLOWED: dict[str, frozenset[str]] = {
    # The contract's value types (ContractError, RateLimit) are the core's errors and ratelimit.
    "contract": frozenset({"core"}),
    "core": frozenset({"contract"}),
    "checks": frozenset({"contract", "core"}),
    "simulator": frozenset({"contract", "core"}),
    "suite": frozenset({"contract", "core", "checks"}),
    "loadtest": frozenset({"contract", "core", "checks"}),
    "probe": frozenset({"contract", "core", "checks"}),
    "report": frozenset({"core"}),
    "pipeline": frozenset({"core", "report"}),
    "cli": frozenset(
        {"contract", "core", "checks", "simulator", "suite", "loadtest", "probe", "report", "pipeline"}
    ),
    "pytest_plugin": frozenset({"contract", "core", "suite"}),
    "__init__": frozenset({"contract", "core", "checks"}),
}
# Where the core reaches up, each named: the contract options list the suite's profiles,
# imported when a parser is built (never at import time) so the choices are the suite's own.
EXCEPTIONS = {("core/options/contract.py", "gatewatch.suite.profiles")}
THIRD_PARTY_ABOVE_CORE = ("locust", "gevent", "click", "pytest", "uvicorn")


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def part_of(path: Path) -> str:
    return path.relative_to(SRC).parts[0].removesuffix(".py")


def test_every_part_of_the_package_is_in_a_layer() -> None:
    parts = {part_of(path) for path in SRC.rglob("*.py")}
    assert parts == set(ALLOWED), f"not in a layer: {sorted(parts - set(ALLOWED))}"


def test_architecture_md_names_every_folder_and_every_core_module() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text()
    folders = sorted(p.name for p in SRC.iterdir() if p.is_dir() and p.name != "__pycache__")
    core = sorted(
        p.stem if p.is_file() else p.name
        for p in (SRC / "core").iterdir()
        if p.name not in ("__init__.py", "__pycache__")
    )
    missing = [name for name in [*folders, *core] if not re.search(rf"`{name}[`/]", text)]
    assert not missing, f"ARCHITECTURE.md does not name {missing}"


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_imports_point_down_only(part: str) -> None:
    paths = sorted((SRC / part).rglob("*.py")) if (SRC / part).is_dir() else [SRC / f"{part}.py"]
    for path in paths:
        rel = path.relative_to(SRC).as_posix()
        for module in imports_of(path):
            bits = module.split(".")
            if bits[0] != "gatewatch" or len(bits) < 2 or (rel, module) in EXCEPTIONS:
                continue
            assert bits[1] in ALLOWED[part] | {part}, f"{rel} imports {module}"


def test_the_core_imports_no_command_line_runner_or_server() -> None:
    for path in (SRC / "core").rglob("*.py"):
        bad = {m for m in imports_of(path) if m.split(".")[0] in THIRD_PARTY_ABOVE_CORE}
        assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}"


def test_the_exceptions_are_still_needed() -> None:
    for rel, module in EXCEPTIONS:
        assert module in imports_of(SRC / rel), f"{rel} no longer imports {module}: drop the exception"


def test_only_the_load_test_imports_locust() -> None:
    for path in SRC.rglob("*.py"):
        if "loadtest" in path.parts:
            continue
        assert not {m for m in imports_of(path) if m.split(".")[0] in ("locust", "gevent")}, path
