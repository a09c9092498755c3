"""contracts/ is the single source: loaded, cross-checked, and one edit changes what code expects."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from gatewatch.checks import run_checks
from gatewatch.contract import contracts_dir, default_contract, dialect_names, load_contract, resolve_contract
from gatewatch.contract.ecma import matches
from gatewatch.contract.loader import packaged_contracts_dir
from gatewatch.contract.operations import Operation
from gatewatch.core.errors import ContractError
from gatewatch.core.exchange import Exchange, RecordedRequest, RecordedResponse

ROOT = packaged_contracts_dir()


@pytest.mark.parametrize("dialect", ["vendor", "strict"])
def test_the_openapi_document_is_valid_openapi_3_1(dialect: str) -> None:
    path = (contracts_dir(dialect) / "openapi.yaml").resolve()
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
    assert {r.provenance for r in contract.rules.values()} == {"documented", "vendor", "pinned"}
    assert all(r.source for r in contract.rules.values() if r.provenance == "vendor")
    assert contract.rule("rate_limit_body").origin == "vendor: llms-full.txt"
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
    # Refused by rules.schema.json at load, naming the key and the provenances.
    with pytest.raises(
        ContractError, match=r"rules\.echo_id\.provenance: 'guessed' is not one of \['documented'"
    ):
        load_contract(root)


def test_both_dialects_ship_and_load() -> None:
    assert dialect_names() == ("vendor", "strict")
    vendor, strict = resolve_contract("vendor"), resolve_contract("strict")
    assert vendor is default_contract() or vendor.root == default_contract().root
    assert (vendor.dialect, strict.dialect) == ("vendor", "strict")
    assert (vendor.auth.header, vendor.auth.scheme, vendor.auth.basic) == ("X-Api-Key", "", True)
    assert (strict.auth.header, strict.auth.scheme) == ("Authorization", "Bearer")
    assert vendor.batch.array and vendor.batch.ids_param == "ids"
    assert not strict.batch.array and strict.batch.ids_param == "customerMessageIds"
    assert vendor.error.status_field == "status" and strict.error.status_field is None
    assert vendor.rate_limits.enabled and not strict.rate_limits.enabled
    assert (
        "too_many_requests" in vendor.precedence.order and "too_many_requests" not in strict.precedence.order
    )
    assert not strict.enabled("rate_limit_headers") and strict.rule("rate_limit_headers").reason
    assert vendor.fields.required == {"customerMessageId", "deliveryStato", "deliveryStatoDescription"}
    assert strict.fields.required == {*vendor.fields.required, "channel", "updatedAt"}


def test_a_dialect_is_a_name_or_a_folder(tmp_path: Path) -> None:
    assert contracts_dir("strict").name == "strict"
    assert contracts_dir(str(ROOT)) == ROOT
    with pytest.raises(ContractError, match=r"not a dialect \(vendor, strict\) nor a folder"):
        contracts_dir("klingon")


def test_one_rename_switches_a_field_everywhere(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    rules = yaml.safe_load((root / "rules.yaml").read_text())
    rules["names"]["renames"] = {"deliveryStato": "deliveryStatus", "ids": "customerMessageIds"}
    (root / "rules.yaml").write_text(yaml.safe_dump(rules))
    contract = load_contract(root)
    assert contract.fields.status == "deliveryStatus" and "deliveryStatus" in contract.fields.required
    assert contract.batch.ids_param == "customerMessageIds"
    body = {"customerMessageId": "m-1", "deliveryStatus": "SENT", "deliveryStatoDescription": None}
    assert contract.schema_errors("status-body.json", body) == []


def test_the_precedence_order_is_read_from_the_file(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    rules = yaml.safe_load((root / "rules.yaml").read_text())
    order = rules["error_precedence"]["order"]
    order.remove("bad_request")
    order.insert(order.index("unauthorized"), "bad_request")
    (root / "rules.yaml").write_text(yaml.safe_dump(rules))
    contract = load_contract(root)
    assert contract.precedence.before("bad_request", "unauthorized")
    rules["error_precedence"]["order"] = [*order, "teapot"]
    (root / "rules.yaml").write_text(yaml.safe_dump(rules))
    with pytest.raises(ContractError, match=r"error_precedence\.order"):
        load_contract(root)


def test_auth_comes_from_the_security_schemes(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    openapi = yaml.safe_load((root / "openapi.yaml").read_text())
    openapi["security"] = [{"basic": []}]
    (root / "openapi.yaml").write_text(yaml.safe_dump(openapi))
    auth = load_contract(root).auth
    assert (auth.header, auth.scheme, auth.basic) == ("Authorization", "Basic", True)


def test_patterns_are_ecma_262_not_python() -> None:
    pattern = default_contract().schemas["send-request.json"]["properties"]["destination"]["pattern"]
    assert matches(pattern, "+393330000001")
    assert not matches(pattern, "+393330000001\n")  # Python's $ would match before the newline
    assert not matches(pattern, "+\u0663\u0663\u0663\u0663\u0663\u0663\u0663\u0663")  # \d would match these
    body = {"destination": "+393330000001\n", "body": "hi"}
    assert default_contract().schema_errors("send-request.json", body)


def test_skipping_an_unknown_rule_lists_the_known_ones() -> None:
    with pytest.raises(ContractError, match=r"--skip-rule: no rule 'echo_idd'; known: .*echo_id"):
        default_contract().without_rules(["echo_idd"], "x")


def test_a_rule_switched_off_needs_a_reason(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    rules = yaml.safe_load((root / "rules.yaml").read_text())
    rules["rules"]["echo_id"]["enabled"] = False
    (root / "rules.yaml").write_text(yaml.safe_dump(rules))
    with pytest.raises(ContractError, match=r"rules\.echo_id: a rule switched off says why"):
        load_contract(root)
    rules["rules"]["echo_id"]["reason"] = "ids come back upper-cased"
    (root / "rules.yaml").write_text(yaml.safe_dump(rules))
    assert not load_contract(root).enabled("echo_id")


def test_the_code_roles_are_the_codes_fields() -> None:
    from gatewatch.contract.model import CodeRole, Codes

    assert {role.value for role in CodeRole} == set(Codes.__slots__)


@pytest.mark.parametrize("dialect", dialect_names())
def test_webhooks_are_read_from_the_files(dialect: str) -> None:
    contract = resolve_contract(dialect)
    hooks = contract.webhooks
    assert hooks.registration.path == "/partner-gateway/v1/webhooks/delivery-status"
    assert (hooks.registration.callback_url, hooks.registration.active) == ("callbackUrl", "ACTIVE")
    assert hooks.default_payload == "guide"
    assert {shape.schema for shape in hooks.payloads.values()} <= set(contract.schemas)
    assert set(hooks.payloads) == {"guide", "sms", "rcs", "legacy"}
    assert hooks.statuses_for(3) == {"DELIVERED"} and hooks.statuses_for(6) == {"ERROR", "EXPIRED"}
    assert hooks.statuses_for(4) == frozenset()
    assert (hooks.delivery_event, hooks.read_event, hooks.ignored_events) == ("DELIVERY", "READ", {"INBOUND"})
    assert (hooks.grace_after_delete_s.value, hooks.grace_after_delete_s.provenance) == (30, "pinned")
    assert (hooks.receiver_timeout_s.value, hooks.receiver_timeout_s.provenance) == (5, "vendor")
    assert contract.response_codes[Operation.WEBHOOK_CREATE] >= {201, 400, 401, 409}
    assert contract.response_codes[Operation.WEBHOOK_DELETE] >= {204, 401, 404}


def test_a_webhook_status_code_naming_an_unknown_status_names_the_file_and_key(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    rules = yaml.safe_load((root / "rules.yaml").read_text())
    rules["webhooks"]["status_codes"]["map"]["3"].append("READ_BY_USER")
    (root / "rules.yaml").write_text(yaml.safe_dump(rules))
    with pytest.raises(ContractError, match=r"rules\.yaml: webhooks\.status_codes\.map\.3: .*READ_BY_USER"):
        load_contract(root)


def test_a_default_payload_that_is_no_shape_is_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    rules = yaml.safe_load((root / "rules.yaml").read_text())
    rules["webhooks"]["payloads"]["default"] = "carrier-pigeon"
    (root / "rules.yaml").write_text(yaml.safe_dump(rules))
    with pytest.raises(ContractError, match=r"webhooks\.payloads\.default"):
        load_contract(root)
