"""The simulator serves whatever the contract says: a fourth channel, another recipient, a rename."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from gatewatch.contract import Contract, load_contract, resolve_contract
from gatewatch.core.errors import ConfigError
from gatewatch.simulator import Simulator, SimulatorConfig, catalogue

from .client import Api
from .conftest import DIALECTS
from .test_errors import build

NEW_CHANNEL = "TELEGRAM"


def copy_contract(tmp_path: Path, dialect: str = "vendor") -> Path:
    target = tmp_path / "contracts"
    shutil.copytree(resolve_contract(dialect).root, target, ignore=shutil.ignore_patterns("dialects"))
    return target


@pytest.fixture(params=DIALECTS)
def extended(tmp_path: Path, request: pytest.FixtureRequest) -> Contract:
    base = resolve_contract(request.param)
    root = copy_contract(tmp_path, request.param)
    channel_file = root / "schemas" / "channel.json"
    schema = json.loads(channel_file.read_text())
    schema["enum"].append(NEW_CHANNEL)
    channel_file.write_text(json.dumps(schema))
    openapi_file = root / "openapi.yaml"
    openapi = yaml.safe_load(openapi_file.read_text())
    first = openapi["paths"][base.send_paths[base.channels[0]]]
    operation = {**first["post"], "operationId": "sendTelegram", "x-channel": NEW_CHANNEL}
    openapi["paths"]["/partner-gateway/v1/telegram/messages"] = {"post": operation}
    openapi_file.write_text(yaml.safe_dump(openapi))
    rules_file = root / "rules.yaml"
    rules = yaml.safe_load(rules_file.read_text())
    # A dialect that extends another may leave test_recipients to its base: merged over it.
    rules.setdefault("test_recipients", {}).setdefault("outcomes", {})["late_error"] = {
        "suffix": "0009",
        "path": ["SENT", "RECEIVED", "ERROR"],
        "reason": "Handset unreachable",
    }
    rules_file.write_text(yaml.safe_dump(rules))
    return load_contract(root)


def test_a_fourth_channel_is_served_without_code_changes(extended: Contract) -> None:
    assert NEW_CHANNEL in extended.channels
    with Simulator(contract=extended) as sim:
        api = Api(sim)
        try:
            answer = api.send(NEW_CHANNEL)
            assert answer.status_code == api.created
            assert answer.json()[extended.send.channel] == NEW_CHANNEL
            message_id = answer.json()[extended.send.id]
            body = api.lookup(message_id, NEW_CHANNEL).json()
            assert body[extended.fields.channel] == NEW_CHANNEL
            assert extended.schema_errors(extended.schema_file("status_body"), body) == []
            assert api.entries(api.batch([message_id], NEW_CHANNEL).json()) == [body]
            assert api.lookup(message_id, extended.channels[0]).status_code == 404
            for channel in extended.channels:
                assert api.send(channel).status_code == api.created
        finally:
            api.close()


def test_the_default_contract_refuses_that_channel(api: Api) -> None:
    assert api.lookup("x", NEW_CHANNEL).status_code == 400


def test_recipient_paths_come_from_rules_yaml(extended: Contract) -> None:
    with Simulator(contract=extended) as sim:
        api = Api(sim)
        try:
            channel = extended.channels[0]
            message_id = api.sent(channel, "+391234560009")
            message = sim.message(message_id)
            assert message is not None
            assert [s.status for s in message.steps] == ["SENT", "RECEIVED", "ERROR"]
            api.wait_settled(message_id)
            body = api.lookup(message_id, channel).json()
            assert body[extended.fields.description] == "Handset unreachable"
        finally:
            api.close()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_renamed_fields_and_parameters_are_served(tmp_path: Path, dialect: str) -> None:
    root = copy_contract(tmp_path, dialect)
    rules_file = root / "rules.yaml"
    rules = yaml.safe_load(rules_file.read_text())
    ids = resolve_contract(dialect).batch.ids_param
    rules["names"]["renames"] = {
        "deliveryStato": "deliveryStatus",
        "deliveryStatoDescription": "deliveryStatusDescription",
        ids: "messageIds",
        "channel": "canale",
    }
    rules_file.write_text(yaml.safe_dump(rules))
    renamed = load_contract(root)
    assert renamed.fields.status == "deliveryStatus" and renamed.batch.ids_param == "messageIds"
    with Simulator(contract=renamed) as sim:
        api = Api(sim)
        try:
            channel = renamed.channels[0]
            message_id = api.sent(channel)
            body = api.lookup(message_id, channel).json()
            assert {"deliveryStatus", "deliveryStatusDescription", "canale"} <= set(body)
            assert not {"deliveryStato", "channel"} & set(body)
            assert renamed.schema_errors(renamed.schema_file("status_body"), body) == []
            assert api.found_ids(api.batch([message_id], channel).json()) == [message_id]
            # The old parameter names are not read any more.
            old = {"channel": channel, ids: message_id}
            answer = api.request("GET", api.url(renamed.batch_path), params=old, headers=api.auth("key-a"))
            api.assert_error(answer, renamed.codes.bad_request)
        finally:
            api.close()


def test_a_defect_naming_a_missing_rule_is_refused(tmp_path: Path) -> None:
    """A contract copy without a rule a defect names refuses that defect, not the simulator."""
    root = copy_contract(tmp_path)
    rules_file = root / "rules.yaml"
    rules = yaml.safe_load(rules_file.read_text())
    del rules["rules"]["echo_id"]
    rules_file.write_text(yaml.safe_dump(rules))
    contract = load_contract(root)
    with pytest.raises(ConfigError, match="echo_id"):
        catalogue(contract)
    with pytest.raises(ConfigError, match="echo_id"):
        Simulator(SimulatorConfig(defects=("echo_id_wrong",)), contract=contract)
    # A conforming simulator does not care about that rule.
    with Simulator(contract=contract) as sim:
        assert sim.running


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_reordered_precedence_is_served(tmp_path: Path, dialect: str) -> None:
    """The order of error precedence is data: the key first, then the parameters, then the rest."""
    root = copy_contract(tmp_path, dialect)
    rules_file = root / "rules.yaml"
    rules = yaml.safe_load(rules_file.read_text())
    order = ["unauthorized", "bad_request"] + [
        role for role in rules["error_precedence"]["order"] if role not in ("unauthorized", "bad_request")
    ]
    rules["error_precedence"]["order"] = order
    rules_file.write_text(yaml.safe_dump(rules))
    reordered = load_contract(root)
    assert reordered.precedence.order == tuple(order)
    with Simulator(contract=reordered) as sim:
        api = Api(sim)
        try:
            known = api.sent(reordered.channels[0])
            codes = reordered.codes
            for op in ("lookup", "batch", "send"):
                for broken, expected in (
                    ({"unauthorized", "path_not_found"}, codes.unauthorized),
                    ({"unauthorized", "payload_too_large"}, codes.unauthorized),
                    ({"bad_request", "method_not_allowed"}, codes.bad_request),
                    # A path of no operation has no parameters to judge: 404 whatever the order.
                    ({"bad_request", "path_not_found"}, codes.not_found),
                ):
                    api.assert_error(build(api, op, broken, known), expected)
        finally:
            api.close()
