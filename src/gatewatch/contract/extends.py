"""A dialect's rules.yaml read whole: one that `extends` a base is merged over the base's.

::

    extends: vendor     # a shipped dialect, or a folder holding rules.yaml, relative to this file

The extending file says only what differs from its base. Merged base first, then:

- a mapping merges key by key, recursively;
- a list or a scalar replaces the base's value whole (a precedence order or a set of
  codes is one value: never half inherited);
- ``null`` removes the key from the base (a rule the base credits to a vendor page
  becomes ``provenance: pinned`` with ``source: null``); in a file with no base, null
  is a value as before;
- ``dialect`` is never inherited: an extending file is a dialect of its own (its own
  ``dialect:``, else its folder's name).

A base may extend another, up to `MAX_DEPTH` files; a cycle or an unknown base is one
ContractError naming the file and ``extends``.

Only rules.yaml extends. openapi.yaml and schemas/*.json stay whole documents per
dialect: tools read them as they are (OpenAPI validators, Prism, the bundler), and a
dialect that differs in its operations or shapes differs in every one of them anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatewatch.core.errors import ContractError

EXTENDS_KEY = "extends"
DIALECT_KEY = "dialect"
RULES_FILE = "rules.yaml"
# A chain longer than this is a mistake, not a design: it bounds the walk.
MAX_DEPTH = 8


@dataclass(frozen=True, slots=True)
class RulesChain:
    """The merged rules.yaml, and the files it came from (the one asked for first)."""

    document: dict[str, Any]
    files: tuple[tuple[Path, Mapping[str, Any]], ...]

    def file_of(self, path: Sequence[str | int]) -> Path:
        """The file that says the value at `path`: the most derived that has it, else the first."""
        for file, document in self.files:
            if _has(document, path):
                return file
        return self.files[0][0]


def read_rules(
    file: Path, read_yaml: Callable[[Path], dict[str, Any]], dialects: Mapping[str, Path]
) -> RulesChain:
    """rules.yaml at `file` with its `extends` chain merged; `dialects` maps names to folders."""
    files: list[tuple[Path, dict[str, Any]]] = []
    current: Path | None = file
    while current is not None:  # bounded: MAX_DEPTH files, each once
        document = read_yaml(current)
        files.append((current, document))
        current = _next_base(document, current, [f for f, _ in files], dialects)
    merged = files[-1][1]
    for _, document in reversed(files[:-1]):
        base = {key: value for key, value in merged.items() if key != DIALECT_KEY}
        merged = merge(base, document)
    merged = {key: value for key, value in merged.items() if key != EXTENDS_KEY}
    return RulesChain(merged, tuple(files))


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` over `base`: mappings merge, lists and scalars replace, null removes."""
    out = dict(base)
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _next_base(
    document: Mapping[str, Any], file: Path, seen: list[Path], dialects: Mapping[str, Path]
) -> Path | None:
    """The rules.yaml `document` (read from `file`) extends, or None; refuses a cycle."""
    name = document.get(EXTENDS_KEY)
    if name is None:
        return None
    if not isinstance(name, str) or not name.strip():
        raise ContractError("expected a dialect name or a folder", file=str(file), key=EXTENDS_KEY)
    folder = dialects.get(name, file.parent / name)
    base = (folder / RULES_FILE).resolve()
    if not base.is_file():
        raise ContractError(
            f"{name!r} is neither a dialect ({', '.join(dialects)}) nor a folder with {RULES_FILE} "
            "(a folder is relative to this file)",
            file=str(file),
            key=EXTENDS_KEY,
        )
    if base in (f.resolve() for f in seen):
        chain = " -> ".join(str(f) for f in (*seen, base))
        raise ContractError(f"a cycle: {chain}", file=str(file), key=EXTENDS_KEY)
    if len(seen) >= MAX_DEPTH:
        raise ContractError(f"more than {MAX_DEPTH} files extend each other", file=str(file), key=EXTENDS_KEY)
    return base


def _has(document: Any, path: Sequence[str | int]) -> bool:
    node = document
    for part in path:
        inside = isinstance(node, Mapping) and part in node
        inside = inside or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node))
        if not inside:
            return False
        node = node[part]
    return True
