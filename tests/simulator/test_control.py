"""The control endpoint: off by default; with control on, faults, defects, reset, timelines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gatewatch.contract import resolve_contract
from gatewatch.core.ratelimit import NO_LIMIT, RateLimit
from gatewatch.simulator import Simulator, SimulatorConfig, catalogue

from .client import Api
from .conftest import DIALECTS


@pytest.fixture(scope="module", params=DIALECTS)
def controlled(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    with Simulator(SimulatorConfig(control=True), contract=resolve_contract(request.param)) as sim:
        yield sim


@pytest.fixture
def control_api(controlled: Simulator) -> Iterator[Api]:
    controlled.reset()
    client = Api(controlled)
    yield client
    client.close()
    controlled.reset()


def test_off_by_default(api: Api) -> None:
    for method, path in (("GET", "faults"), ("POST", "defects"), ("POST", "reset"), ("GET", "rate-limit")):
        answer = api.request(method, f"{api.sim.url}/_control/{path}", json={})
        api.assert_error(answer, api.contract.codes.not_found)


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
        control_api.assert_error(control_api.request("POST", url, json=body), 400)
    assert control_api.request("POST", url, data=b"{nope").status_code == 400


def test_defects_at_runtime(control_api: Api) -> None:
    url = control_api.sim.url + "/_control/defects"
    listing = control_api.request("GET", url).json()
    assert listing["active"] == []
    assert {"name", "rule", "description", "needs_rate_limit"} <= set(listing["catalogue"][0])
    assert [d["name"] for d in listing["catalogue"]] == [s.name for s in catalogue(control_api.contract)]
    answer = control_api.request("POST", url, json={"defects": ["status_lowercase"]})
    assert answer.status_code == 200 and answer.json()["active"] == ["status_lowercase"]
    channel = control_api.contract.channels[0]
    message_id = control_api.sent(channel)
    assert control_api.lookup(message_id, channel).json()[control_api.fields.status].islower()
    refused = control_api.request("POST", url, json={"defects": ["no_such_defect"]})
    body = control_api.assert_error(refused, 400)
    assert "no_such_defect" in body[control_api.contract.error.fields["message"]]
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
    fields = control_api.fields
    path = control_api.contract.recipients["delivered"].path
    assert [step[fields.status] for step in body["steps"]] == list(path)
    assert body[fields.id] == message_id
    assert body[fields.channel] == channel and body["company"] == "A"
    assert body[control_api.contract.send.destination] == control_api.number("delivered")
    message = control_api.sim.message(message_id)
    assert message is not None
    assert [step["epoch"] for step in body["steps"]] == [step.at for step in message.steps]
    missing = control_api.request("GET", f"{control_api.sim.url}/_control/messages/nope")
    assert missing.status_code == 404


def test_unknown_control_path_is_404(control_api: Api) -> None:
    answer = control_api.request("GET", control_api.sim.url + "/_control/nope")
    control_api.assert_error(answer, 404)


def test_rate_limit_at_runtime(control_api: Api) -> None:
    url = control_api.sim.url + "/_control/rate-limit"
    assert control_api.request("GET", url).json() == {"limit": "none", "per_minute": None, "per_second": None}
    channel = control_api.contract.channels[0]
    if not control_api.contract.rate_limits.enabled:
        control_api.assert_error(control_api.request("POST", url, json={"limit": "2/s"}), 400)
        assert control_api.sim.rate_limit == NO_LIMIT
        return
    answer = control_api.request("POST", url, json={"limit": "trial"})
    assert answer.status_code == 200
    assert answer.json() == {"limit": "100/min,10/s", "per_minute": 100, "per_second": 10}
    assert control_api.sim.rate_limit == control_api.contract.rate_limits.plans["trial"]
    control_api.request("POST", url, json={"limit": "2/min"})
    assert control_api.sim.rate_limit == RateLimit(per_minute=2)
    codes = [control_api.lookup("GW-x", channel).status_code for _ in range(3)]
    assert codes == [404, 404, 429]
    for bad in ({"limit": "lots"}, {"limit": 5}, {}):
        control_api.assert_error(control_api.request("POST", url, json=bad), 400)
    control_api.request("POST", url, json={"limit": "none"})
    assert control_api.lookup("GW-x", channel).status_code == 404
    assert control_api.sim.rate_limit == NO_LIMIT


def test_an_oversized_control_body_is_413(control_api: Api) -> None:
    url = control_api.sim.url + "/_control/faults"
    big = b"{" + b" " * (control_api.contract.send.body_max_bytes + 1) + b"}"
    control_api.assert_error(control_api.request("POST", url, data=big), 413)
    assert not control_api.sim.faults.active


def test_control_is_outside_faults_and_defects(control_api: Api) -> None:
    control_api.sim.set_faults(error_rate=1.0, drop_rate=0.0)
    control_api.sim.set_defects(["error_body_not_json"])
    answer = control_api.request("GET", control_api.sim.url + "/_control/faults")
    assert answer.status_code == 200
