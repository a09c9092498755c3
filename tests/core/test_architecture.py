"""ARCHITECTURE.md's import rules, checked: the core knows nothing of the adapters or engines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "gatewatch"
CORE = (
    "contract",
    "checks",
    "client",
    "config",
    "exchange",
    "secrets",
    "errors",
    "ratelimit",
    "preflight",
    "processes",
    "interrupts",
    "progress_feed",
    "bounds",
    "jsonlines",
    "embedded",
    "opening",
    "reports_layout",
    "records",
)
ENGINES = ("suite", "loadtest", "probe", "simulator")


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def modules_of(part: str) -> list[Path]:
    base = SRC / part
    return sorted(base.rglob("*.py")) if base.is_dir() else [SRC / f"{part}.py"]


@pytest.mark.parametrize("part", CORE)
def test_the_core_imports_no_engine_and_no_adapter(part: str) -> None:
    for path in modules_of(part):
        bad = {
            m for m in imports_of(path) if m.split(".")[:2] in ([["gatewatch", e] for e in (*ENGINES, "cli")])
        }
        bad |= {
            m
            for m in imports_of(path)
            if m.split(".")[0] in ("locust", "gevent", "click", "pytest", "uvicorn")
        }
        assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}"


@pytest.mark.parametrize("part", ENGINES)
def test_engines_do_not_import_each_other_or_the_cli(part: str) -> None:
    others = [e for e in ENGINES if e != part]
    for path in modules_of(part):
        bad = {
            m for m in imports_of(path) if m.split(".")[:2] in ([["gatewatch", e] for e in (*others, "cli")])
        }
        assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}"


def test_only_the_load_test_imports_locust() -> None:
    for path in SRC.rglob("*.py"):
        if "loadtest" in path.parts:
            continue
        assert not {m for m in imports_of(path) if m.split(".")[0] in ("locust", "gevent")}, path
