"""The control endpoint: off by default; with control on, faults, defects, reset, timelines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gatewatch.simulator import Simulator, SimulatorConfig

from .client import Api


@pytest.fixture(scope="module")
def controlled() -> Iterator[Simulator]:
    with Simulator(SimulatorConfig(control=True)) as sim:
        yield sim


@pytest.fixture
def control_api(controlled: Simulator) -> Iterator[Api]:
    controlled.reset()
    client = Api(controlled)
    yield client
    client.close()
    controlled.reset()


def test_off_by_default(api: Api) -> None:
    for method, path in (("GET", "faults"), ("POST", "defects"), ("POST", "reset")):
        answer = api.request(method, f"{api.sim.url}/_control/{path}", json={})
        assert answer.status_code == 404
        assert answer.json()["code"] == "NOT_FOUND"


def test_faults_at_runtime(control_api: Api) -> None:
    url = control_api.sim.url + "/_control/faults"
    answer = control_api.request("POST", url, json={"error_rate": 1.0, "operations": ["lookup"]})
    assert answer.status_code == 200
    assert answer.json()["error_rate"] == 1.0
    assert control_api.request("GET", url).json()["operations"] == ["lookup"]
    channel = control_api.contract.channels[0]
    assert control_api.lookup("GW-x", channel).status_code == 500
    assert control_api.send(channel).status_code == 201


def test_bad_fault_settings_are_400(control_api: Api) -> None:
    url = control_api.sim.url + "/_control/faults"
    for body in ({"error_rate": 7}, {"bogus": 1}, [1], {"operations": "lookup"}):
        answer = control_api.request("POST", url, json=body)
        assert answer.status_code == 400
        assert control_api.contract.schema_errors("error-body.json", answer.json()) == []
    assert control_api.request("POST", url, data=b"{nope").status_code == 400


def test_defects_at_runtime(control_api: Api) -> None:
    url = control_api.sim.url + "/_control/defects"
    listing = control_api.request("GET", url).json()
    assert listing["active"] == []
    assert {"name", "rule", "description"} <= set(listing["catalogue"][0])
    answer = control_api.request("POST", url, json={"defects": ["status_lowercase"]})
    assert answer.status_code == 200 and answer.json()["active"] == ["status_lowercase"]
    channel = control_api.contract.channels[0]
    message_id = control_api.sent(channel)
    assert control_api.lookup(message_id, channel).json()["deliveryStato"].islower()
    refused = control_api.request("POST", url, json={"defects": ["no_such_defect"]})
    assert refused.status_code == 400
    assert "no_such_defect" in refused.json()["message"]
    assert control_api.sim.defects == ("status_lowercase",)


def test_reset(control_api: Api) -> None:
    channel = control_api.contract.channels[0]
    message_id = control_api.sent(channel)
    control_api.sim.set_defects(["auth_not_enforced"])
    answer = control_api.request("POST", control_api.sim.url + "/_control/reset")
    assert answer.status_code == 200
    assert control_api.lookup(message_id, channel).status_code == 404
    assert control_api.sim.defects == ()
    assert control_api.request("GET", control_api.sim.url + "/_control/reset").status_code == 405


def test_true_timeline(control_api: Api) -> None:
    channel = control_api.contract.channels[0]
    message_id = control_api.sent(channel, control_api.number("delivered"))
    answer = control_api.request("GET", f"{control_api.sim.url}/_control/messages/{message_id}")
    assert answer.status_code == 200
    body = answer.json()
    path = control_api.contract.recipients["delivered"].path
    assert [step["status"] for step in body["steps"]] == list(path)
    assert body["channel"] == channel and body["company"] == "A"
    message = control_api.sim.message(message_id)
    assert message is not None
    assert [step["epoch"] for step in body["steps"]] == [step.at for step in message.steps]
    missing = control_api.request("GET", f"{control_api.sim.url}/_control/messages/nope")
    assert missing.status_code == 404


def test_unknown_control_path_is_404(control_api: Api) -> None:
    answer = control_api.request("GET", control_api.sim.url + "/_control/nope")
    assert answer.status_code == 404
    assert answer.json()["code"] == "NOT_FOUND"


def test_control_is_outside_faults_and_defects(control_api: Api) -> None:
    control_api.sim.set_faults(error_rate=1.0, drop_rate=0.0)
    control_api.sim.set_defects(["error_body_not_json"])
    answer = control_api.request("GET", control_api.sim.url + "/_control/faults")
    assert answer.status_code == 200
