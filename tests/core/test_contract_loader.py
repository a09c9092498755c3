"""contracts/ is the single source: loaded, cross-checked, and one edit changes what code expects."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from gatewatch.checks import run_checks
from gatewatch.contract import default_contract, load_contract
from gatewatch.contract.loader import packaged_contracts_dir
from gatewatch.errors import ContractError
from gatewatch.exchange import Exchange, RecordedRequest, RecordedResponse

ROOT = packaged_contracts_dir()


def test_the_openapi_document_is_valid_openapi_3_1() -> None:
    path = (ROOT / "openapi.yaml").resolve()
    document = yaml.safe_load(path.read_text())
    assert document["openapi"].startswith("3.1")
    validate(document, base_uri=path.as_uri())


def test_enums_and_paths_come_from_the_files() -> None:
    contract = default_contract()
    channel_enum = json.loads((ROOT / "schemas" / "channel.json").read_text())["enum"]
    status_enum = json.loads((ROOT / "schemas" / "status.json").read_text())["enum"]
    assert list(contract.channels) == channel_enum
    assert list(contract.statuses) == status_enum
    assert set(contract.send_paths) == set(channel_enum)
    assert contract.final_statuses <= set(status_enum)


def test_every_rule_has_a_provenance_and_the_lifecycle_is_consistent() -> None:
    contract = default_contract()
    assert {r.provenance for r in contract.rules.values()} == {"documented", "pinned"}
    for final in contract.final_statuses:
        assert not contract.transitions[final]
        assert all(not contract.reachable(final, s) for s in contract.statuses if s != final)
    for recipient in contract.recipients.values():
        for before, after in zip(recipient.path, recipient.path[1:], strict=False):
            assert contract.can_move(before, after)


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "contracts"
    shutil.copytree(ROOT, target)
    return target


def add_channel(root: Path, name: str) -> None:
    """Add a fourth channel: one enum value and one send path, as a user would."""
    schema_path = root / "schemas" / "channel.json"
    schema = json.loads(schema_path.read_text())
    schema["enum"].append(name)
    schema_path.write_text(json.dumps(schema))
    openapi = yaml.safe_load((root / "openapi.yaml").read_text())
    sms = next(item for item in openapi["paths"].values() if item.get("post", {}).get("x-channel"))
    openapi["paths"][f"/partner-gateway/v1/{name.lower()}/messages"] = {
        "post": {**sms["post"], "operationId": f"send{name.title()}", "x-channel": name}
    }
    (root / "openapi.yaml").write_text(yaml.safe_dump(openapi))


def test_a_fourth_channel_in_a_copy_is_accepted_by_the_checks(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    add_channel(root, "TELEGRAM")
    contract = load_contract(root)
    assert "TELEGRAM" in contract.channels
    assert contract.send_paths["TELEGRAM"] == "/partner-gateway/v1/telegram/messages"
    body = {
        "customerMessageId": "m-1",
        "channel": "TELEGRAM",
        "deliveryStato": "SENT",
        "deliveryStatoDescription": None,
        "updatedAt": "2026-01-01T00:00:00Z",
    }
    exchange = Exchange(
        "lookup",
        RecordedRequest("GET", "http://x/api", ()),
        RecordedResponse(200, (("Content-Type", "application/json"),), json.dumps(body).encode(), 0.0),
        message_id="m-1",
        channel="TELEGRAM",
    )
    assert run_checks(exchange, contract) == []
    assert [v.rule for v in run_checks(exchange, default_contract())] == [
        "response_schema",
        "channel_in_enum",
    ]


def test_a_transition_to_an_unknown_status_names_the_file_and_key(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    rules = yaml.safe_load((root / "rules.yaml").read_text())
    rules["lifecycle"]["transitions"]["SENT"].append("PENDING")
    (root / "rules.yaml").write_text(yaml.safe_dump(rules))
    with pytest.raises(ContractError, match=r"rules\.yaml: lifecycle\.transitions\.SENT: .*PENDING"):
        load_contract(root)


def test_a_channel_without_a_send_path_is_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    schema_path = root / "schemas" / "channel.json"
    schema = json.loads(schema_path.read_text())
    schema["enum"].append("FAX")
    schema_path.write_text(json.dumps(schema))
    with pytest.raises(ContractError, match=r"FAX.*no send operation"):
        load_contract(root)


def test_broken_yaml_is_a_contract_error(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "rules.yaml").write_text("lifecycle: [unclosed\n")
    with pytest.raises(ContractError, match=r"rules\.yaml: not valid YAML"):
        load_contract(root)


def test_a_rule_without_provenance_is_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    rules = yaml.safe_load((root / "rules.yaml").read_text())
    rules["rules"]["echo_id"]["provenance"] = "guessed"
    (root / "rules.yaml").write_text(yaml.safe_dump(rules))
    with pytest.raises(ContractError, match=r"rules\.echo_id: expected provenance"):
        load_contract(root)
