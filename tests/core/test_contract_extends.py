"""A dialect's rules.yaml may extend another's and say only what differs; the result is the same contract."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from gatewatch.contract import contracts_dir, load_contract, resolve_contract
from gatewatch.contract.extends import merge
from gatewatch.core.errors import ContractError

FULL_STRICT = Path(__file__).resolve().parents[1] / "fixtures" / "strict-rules.full.yaml"


def _dialect_copy(tmp_path: Path, dialect: str, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(contracts_dir(dialect), root, ignore=shutil.ignore_patterns("dialects"))
    return root


def _write_rules(root: Path, document: dict[str, object]) -> None:
    (root / "rules.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def test_strict_extending_vendor_is_the_contract_its_old_whole_file_gave(tmp_path: Path) -> None:
    strict = resolve_contract("strict")
    assert yaml.safe_load((strict.root / "rules.yaml").read_text())["extends"] == "vendor"
    root = _dialect_copy(tmp_path, "strict", "strict")
    shutil.copy(FULL_STRICT, root / "rules.yaml")
    whole = load_contract(root)
    assert replace(whole, root=strict.root) == strict
    assert strict.rule("error_body").source is None and strict.rule("error_body").provenance == "pinned"


def test_maps_merge_lists_replace_and_null_removes() -> None:
    base = {
        "dialect": "a",
        "limits": {"x": 1, "y": [1, 2]},
        "rules": {"r": {"provenance": "vendor", "source": "p"}},
    }
    over = {"limits": {"y": [3]}, "rules": {"r": {"provenance": "pinned", "source": None}}}
    assert merge(base, over) == {
        "dialect": "a",
        "limits": {"x": 1, "y": [3]},
        "rules": {"r": {"provenance": "pinned"}},
    }


def test_an_extending_file_is_its_own_dialect_and_its_base_may_be_a_folder(tmp_path: Path) -> None:
    _dialect_copy(tmp_path, "vendor", "base")
    root = _dialect_copy(tmp_path, "vendor", "mine")
    _write_rules(root, {"extends": "../base", "updated_at": {"utc_only": True}})
    contract = load_contract(root)
    assert contract.dialect == "mine" and contract.updated_at_utc_only
    assert contract.rules == resolve_contract("vendor").rules


def test_a_cycle_is_one_error_naming_the_file(tmp_path: Path) -> None:
    one, two = _dialect_copy(tmp_path, "vendor", "one"), _dialect_copy(tmp_path, "vendor", "two")
    _write_rules(one, {"extends": "../two"})
    _write_rules(two, {"extends": "../one"})
    with pytest.raises(
        ContractError,
        match=r"two/rules\.yaml: extends: a cycle: \S*one/rules\.yaml -> \S*two/rules\.yaml -> \S*one/\S*$",
    ):
        load_contract(one)


def test_an_unknown_base_is_one_error_listing_the_dialects(tmp_path: Path) -> None:
    root = _dialect_copy(tmp_path, "vendor", "mine")
    _write_rules(root, {"extends": "klingon"})
    with pytest.raises(
        ContractError, match=r"rules\.yaml: extends: 'klingon' is neither a dialect \(vendor, strict\)"
    ):
        load_contract(root)


def test_a_bad_value_names_the_file_that_says_it(tmp_path: Path) -> None:
    base = _dialect_copy(tmp_path, "vendor", "base")
    root = _dialect_copy(tmp_path, "vendor", "mine")
    _write_rules(root, {"extends": "../base", "updated_at": {"utc_only": "yes"}})
    with pytest.raises(ContractError, match=r"mine/rules\.yaml: updated_at\.utc_only: 'yes'"):
        load_contract(root)
    _write_rules(root, {"extends": "../base"})
    rules = yaml.safe_load((base / "rules.yaml").read_text())
    rules["limits"]["batch_max_ids"] = "many"
    _write_rules(base, rules)
    with pytest.raises(ContractError, match=r"base/rules\.yaml: limits\.batch_max_ids: 'many'"):
        load_contract(root)


def test_a_check_across_files_names_the_rules_yaml_that_says_the_key(tmp_path: Path) -> None:
    _dialect_copy(tmp_path, "vendor", "base")
    root = _dialect_copy(tmp_path, "vendor", "mine")
    _write_rules(root, {"extends": "../base", "lifecycle": {"final": ["DELIVERED", "LOST"]}})
    with pytest.raises(
        ContractError, match=r"mine/rules\.yaml: lifecycle\.final: \['LOST'\] not in the status"
    ):
        load_contract(root)
    status = root / "schemas" / "status.json"
    status.write_text(status.read_text().replace('"UNKNOWN"', '"UNKNOWN_"'))
    _write_rules(root, {"extends": "../base"})
    with pytest.raises(ContractError, match=r"base/rules\.yaml: lifecycle\.transitions\.SENT: \['UNKNOWN'\]"):
        load_contract(root)
