"""The simulator serves whatever the contract says: a fourth channel, another recipient."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from gatewatch.contract import Contract, default_contract, load_contract
from gatewatch.errors import ConfigError
from gatewatch.simulator import Simulator, SimulatorConfig, catalogue

from .client import Api

NEW_CHANNEL = "TELEGRAM"


def copy_contract(tmp_path: Path) -> Path:
    target = tmp_path / "contracts"
    shutil.copytree(default_contract().root, target)
    return target


@pytest.fixture
def extended(tmp_path: Path) -> Contract:
    root = copy_contract(tmp_path)
    channel_file = root / "schemas" / "channel.json"
    schema = json.loads(channel_file.read_text())
    schema["enum"].append(NEW_CHANNEL)
    channel_file.write_text(json.dumps(schema))
    openapi_file = root / "openapi.yaml"
    openapi = yaml.safe_load(openapi_file.read_text())
    first = openapi["paths"][default_contract().send_paths[default_contract().channels[0]]]
    operation = {**first["post"], "operationId": "sendTelegram", "x-channel": NEW_CHANNEL}
    openapi["paths"]["/partner-gateway/v1/telegram/messages"] = {"post": operation}
    openapi_file.write_text(yaml.safe_dump(openapi))
    rules_file = root / "rules.yaml"
    rules = yaml.safe_load(rules_file.read_text())
    rules["test_recipients"]["outcomes"]["late_error"] = {
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
            assert answer.status_code == 201
            assert answer.json()["channel"] == NEW_CHANNEL
            message_id = answer.json()["customerMessageId"]
            body = api.lookup(message_id, NEW_CHANNEL).json()
            assert body["channel"] == NEW_CHANNEL
            assert extended.schema_errors("status-body.json", body) == []
            assert api.batch([message_id], NEW_CHANNEL).json()["statuses"][0] == body
            assert api.lookup(message_id, extended.channels[0]).status_code == 404
            for channel in extended.channels:
                assert api.send(channel).status_code == 201
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
            assert body["deliveryStatoDescription"] == "Handset unreachable"
        finally:
            api.close()


def test_a_defect_naming_a_missing_rule_is_refused(tmp_path: Path) -> None:
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
