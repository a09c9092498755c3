"""Each dialect ships openapi.bundled.yaml: its OpenAPI document in one file, equal to the sources.

Prism and other validation proxies miss most checks of a multi-file document; the
bundled copy has no external `$ref`, is valid OpenAPI 3.1, and is regenerated here and
compared, so an edit to openapi.yaml or a schema without regenerating fails.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from gatewatch.contract import contracts_dir, load_contract
from gatewatch.contract.bundle import BUNDLED_FILE, bundle, external_refs, main, render

DIALECTS = ("vendor", "strict")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_bundled_file_equals_its_sources(dialect: str) -> None:
    root = contracts_dir(dialect)
    assert (root / BUNDLED_FILE).read_text(encoding="utf-8") == render(root), (
        "regenerate with: python -m gatewatch.contract.bundle"
    )


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_bundled_file_is_one_valid_openapi_3_1_document(dialect: str) -> None:
    document = yaml.safe_load((contracts_dir(dialect) / BUNDLED_FILE).read_text(encoding="utf-8"))
    assert external_refs(document) == []
    assert document["openapi"].startswith("3.1")
    validate(document)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_schema_file_is_inlined_as_it_is(dialect: str) -> None:
    root = contracts_dir(dialect)
    inlined = bundle(root)["components"]["schemas"]
    for path in sorted((root / "schemas").glob("*.json")):
        source = json.loads(path.read_text(encoding="utf-8"))
        copy = inlined[path.stem]
        assert "$id" not in copy
        assert copy["type"] == source["type"]
        assert copy.get("enum") == source.get("enum")
        assert copy.get("required") == source.get("required")
        assert set(copy.get("properties", {})) == set(source.get("properties", {}))


def test_check_reports_a_stale_bundle_and_the_loader_never_reads_it(tmp_path: Path) -> None:
    root = tmp_path / "contracts"
    shutil.copytree(contracts_dir("vendor"), root, ignore=shutil.ignore_patterns("dialects"))
    assert main(["--check", str(root)]) == 0
    status = root / "schemas" / "status.json"
    status.write_text(status.read_text().replace('"UNKNOWN"', '"UNKNOWN", "QUEUED"'))
    assert main(["--check", str(root)]) == 1
    (root / BUNDLED_FILE).write_text("not: [valid")
    assert "QUEUED" in load_contract(root).statuses
    assert main([str(root)]) == 0
    assert "QUEUED" in (root / BUNDLED_FILE).read_text()
