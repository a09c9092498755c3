"""One place for each fact: no contract name, status word, HTTP code or limit is spelled in src/.

The contract loader (src/gatewatch/contract/) is the only code that reads contracts/; the
rest asks the Contract by role. This scans every other module's AST for string constants
equal to a name either dialect defines (body fields, parameters, headers, statuses,
channels, documented aliases, the JSON media type) and int constants equal to an HTTP
code or a distinctive limit it defines. Docstrings are prose and are not scanned.

Some of the vendor's names are plain English words (`status`, `message`, `channel`,
`body`) that gatewatch's own files use too (summary.json keys, metrics labels). Those
are flagged where code reads an answer by name: a subscript, `.get(...)`, or `in`. A line
where gatewatch's own vocabulary still coincides with a contract word (a key of our own
history file) says so with `# own-name`; an HTTP class boundary (5xx) says `# http-class`.
Both are rare and reviewable.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from gatewatch.contract import Contract, dialect_names, resolve_contract
from tests.core.ast_scan import docstring_ids

SRC = Path(__file__).resolve().parents[2] / "src" / "gatewatch"
LOADER = SRC / "contract"
MARKERS = ("# own-name", "# http-class")


def contract_names(contract: Contract) -> set[str]:
    """Every name a dialect defines that code might be tempted to spell."""
    names: set[str] = set()
    for schema in contract.schemas.values():
        names |= set(schema.get("properties", {}))
    names |= {contract.id_param, contract.channel_param, contract.batch.ids_param, contract.auth.header}
    names |= set(contract.statuses) | set(contract.channels)
    names |= {name for group in contract.aliases for name in group.names}
    names.add(contract.json_content_type)
    limits = contract.rate_limits
    if limits.enabled:
        names |= {
            limits.limit_header,
            limits.remaining_header,
            limits.reset_header,
            limits.retry_after_header,
        }
    return names


def contract_numbers(contract: Contract) -> set[int]:
    """HTTP codes, and limits distinctive enough that a match is not a coincidence."""
    numbers = set(contract.codes.all()) | set(contract.send.success_codes) | set(contract.unknown_id_codes)
    numbers |= set(contract.http_layer_codes) | set(contract.batch.over_limit_codes)
    numbers.add(contract.send.body_max_bytes)
    return numbers


NAMES = set().union(*(contract_names(resolve_contract(d)) for d in dialect_names()))
NUMBERS = set().union(*(contract_numbers(resolve_contract(d)) for d in dialect_names()))
# Lower-case words: flagged only where code reads something by that name.
GENERIC = {name for name in NAMES if name.isalpha() and name.islower()}


def _reads(tree: ast.AST) -> set[int]:
    """Constants used to read a value by name: x["k"], x.get("k"), "k" in x."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            found.add(id(node.slice))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr
            in (
                "get",
                "pop",
                "setdefault",
            )
        ):
            found |= {id(arg) for arg in node.args[:1] if isinstance(arg, ast.Constant)}
        elif (
            isinstance(node, ast.Compare)
            and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
            and isinstance(node.left, ast.Constant)
        ):
            found.add(id(node.left))
    return found


def literals(path: Path) -> Iterator[tuple[int, object]]:
    """(line, value) of every contract name or number spelled in `path`, markers honoured."""
    text = path.read_text()
    lines = text.splitlines()
    tree = ast.parse(text)
    skip = docstring_ids(tree)
    reads = _reads(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in skip:
            continue
        value = node.value
        named = isinstance(value, str) and value in NAMES and (value not in GENERIC or id(node) in reads)
        hit = named or (isinstance(value, int) and not isinstance(value, bool) and value in NUMBERS)
        if hit and not any(marker in lines[node.lineno - 1] for marker in MARKERS):
            yield node.lineno, value


MODULES = sorted(p for p in SRC.rglob("*.py") if LOADER not in p.parents)


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(SRC)) for p in MODULES])
def test_no_contract_fact_is_retyped_outside_the_loader(path: Path) -> None:
    found = list(literals(path))
    assert not found, f"{path.relative_to(SRC)} spells contract facts: " + ", ".join(
        f"line {line}: {value!r}" for line, value in found
    )


def test_the_scan_finds_a_literal_that_creeps_back(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Docstrings may say deliveryStato."""\n'
        'STATUS = "deliveryStato"\n'
        "CODE = 404\n"
        'LABELS = ("channel", "status")\n'
        'READ = body["status"]\n'
        'MINE = record["status"]  # own-name: our history file\n'
    )
    assert list(literals(sample)) == [(2, "deliveryStato"), (3, 404), (5, "status")]
