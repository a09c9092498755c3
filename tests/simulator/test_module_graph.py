"""The simulator's modules import each other in one direction: no cycle, not even a type-only one.

Imports under `if TYPE_CHECKING:` count too: a cycle there still means two modules that
cannot be understood (or moved) one without the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "gatewatch.simulator"
ROOT = Path(__file__).resolve().parents[2] / "src" / "gatewatch" / "simulator"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PACKAGE, *parts))


def simulator_imports(path: Path, known: set[str]) -> set[str]:
    """The simulator modules `path` imports, wherever the import stands (TYPE_CHECKING included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from gatewatch.simulator import defects` imports the module gatewatch.simulator.defects.
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found |= {name for name in names if name in known}
    return found


def import_graph() -> dict[str, set[str]]:
    paths = sorted(ROOT.rglob("*.py"))
    known = {module_name(path) for path in paths}
    graph = {module_name(path): simulator_imports(path, known) for path in paths}
    # Importing any submodule runs the root package's __init__ (which re-exports the public
    # API): an edge to the root is how Python imports work, not a cycle. A subpackage
    # (defects) stays a node: its __init__ imports its modules.
    return {name: deps - {PACKAGE, name} for name, deps in graph.items() if name != PACKAGE}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph` as a path that ends where it starts, or None."""
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> list[str] | None:
        if name in trail:
            return [*trail[trail.index(name) :], name]
        if name in done:
            return None
        for dep in sorted(graph.get(name, ())):
            cycle = visit(dep, [*trail, name])
            if cycle is not None:
                return cycle
        done.add(name)
        return None

    for start in sorted(graph):
        cycle = visit(start, [])
        if cycle is not None:
            return cycle
    return None


def test_the_scan_finds_the_simulators_modules_and_their_imports() -> None:
    graph = import_graph()
    assert f"{PACKAGE}.app" in graph
    assert f"{PACKAGE}.defects.registry" in graph
    assert f"{PACKAGE}.server" in graph
    assert f"{PACKAGE}.app" in graph[f"{PACKAGE}.server"]


def test_find_cycle_reports_a_cycle_and_accepts_a_tree() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_among_the_simulators_modules() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])
