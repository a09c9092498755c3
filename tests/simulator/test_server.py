"""The Simulator object: context manager, port 0, clean stop, public API."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import requests

import gatewatch.simulator
from gatewatch.contract import default_contract, resolve_contract
from gatewatch.core.errors import ConfigError
from gatewatch.core.ratelimit import NO_LIMIT, RateLimit
from gatewatch.simulator import Faults, Simulator, SimulatorConfig, keys_from_env


def test_public_api_is_explicit() -> None:
    assert sorted(gatewatch.simulator.__all__) == [
        "DEFAULT_API_KEYS",
        "DefectSpec",
        "Faults",
        "Message",
        "Simulator",
        "SimulatorConfig",
        "Step",
        "catalogue",
        "defect",
        "keys_from_env",
    ]


def test_the_default_contract_is_the_vendor_dialect() -> None:
    sim = Simulator()
    assert sim.contract is default_contract()
    assert sim.contract.dialect == "vendor"
    assert sim.rate_limit == NO_LIMIT  # off unless asked for (gateway-api.md)


def test_start_stop_and_urls() -> None:
    sim = Simulator()
    with pytest.raises(RuntimeError):
        _ = sim.base_url
    with sim:
        assert sim.running
        assert sim.base_url == f"http://127.0.0.1:{sim.port}/api"
        assert sim.port > 0
        answer = requests.get(sim.base_url + "/nope", timeout=5)
        assert answer.status_code == 404
    assert not sim.running
    with pytest.raises(requests.ConnectionError):
        requests.get(sim.base_url + "/nope", timeout=5)
    sim.stop()  # stopping twice is harmless


def test_two_simulators_side_by_side() -> None:
    with Simulator() as one, Simulator() as two:
        assert one.port != two.port
        assert requests.get(one.base_url, timeout=5).status_code == 404
        assert requests.get(two.base_url, timeout=5).status_code == 404


def test_busy_port_is_a_config_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match=str(port)):
            Simulator(SimulatorConfig(port=port)).start()


def test_reset_goes_back_to_the_configured_behaviour() -> None:
    limit = RateLimit(per_second=5)
    config = SimulatorConfig(defects=("status_lowercase",), faults=Faults(latency_ms=1), rate_limit=limit)
    with Simulator(config) as sim:
        sim.set_defects([])
        sim.set_faults()
        sim.set_rate_limit(NO_LIMIT)
        assert sim.defects == () and not sim.faults.active and sim.rate_limit == NO_LIMIT
        sim.reset()
        assert sim.defects == ("status_lowercase",)
        assert sim.faults.latency_ms == 1
        assert sim.rate_limit == limit


def test_a_rate_limit_for_a_dialect_without_rate_limits_is_refused_in_one_line() -> None:
    strict = resolve_contract("strict")
    with pytest.raises(ConfigError, match="strict dialect has no rate limits") as info:
        Simulator(SimulatorConfig(rate_limit=RateLimit(per_second=5)), contract=strict)
    assert "\n" not in str(info.value)
    with Simulator(contract=strict) as sim, pytest.raises(ConfigError, match="no rate limits"):
        sim.set_rate_limit(RateLimit(per_minute=10))


def test_defects_of_another_dialect_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"batch_drops_unknown.*vendor"):
        Simulator(SimulatorConfig(defects=("batch_drops_unknown",)))
    with pytest.raises(ConfigError, match=r"batch_404_when_none.*strict"):
        Simulator(SimulatorConfig(defects=("batch_404_when_none",)), contract=resolve_contract("strict"))


def test_rate_limit_defects_need_a_rate_limit() -> None:
    with pytest.raises(ConfigError, match=r"rate_limit_html.*need a rate limit"):
        Simulator(SimulatorConfig(defects=("rate_limit_html",)))
    with Simulator(SimulatorConfig(rate_limit=RateLimit(per_second=5), defects=("rate_limit_html",))) as sim:
        assert sim.defects == ("rate_limit_html",)
        with pytest.raises(ConfigError, match="need a rate limit"):
            sim.set_rate_limit(NO_LIMIT)
        assert sim.rate_limit == RateLimit(per_second=5)


def test_unknown_defect_is_refused_up_front() -> None:
    with pytest.raises(ConfigError, match="nope"):
        Simulator(SimulatorConfig(defects=("nope",)))
    with Simulator() as sim, pytest.raises(ConfigError):
        sim.set_defects(["nope"])


@pytest.mark.parametrize(
    "changes",
    [
        {"port": -1},
        {"port": 70000},
        {"step_s": -1},
        {"max_messages": 0},
        {"base_path": "api"},
        {"base_path": "/api/"},
        {"api_keys": {}},
        {"api_keys": {"k": ""}},
        {"id_prefix": "a/b"},
        {"rate_limit": "5/s"},
    ],
)
def test_invalid_config_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        SimulatorConfig(**changes)  # type: ignore[arg-type]


def test_step_overrides_must_name_contract_channels() -> None:
    with pytest.raises(ConfigError, match="NOPE"):
        Simulator(SimulatorConfig(step_overrides={"NOPE": 1.0}))


def test_keys_from_env() -> None:
    env = {"ONE": "k1=X, k2=Y", "TWO": "k3=Z\n"}
    assert keys_from_env(["ONE", "TWO"], env) == {"k1": "X", "k2": "Y", "k3": "Z"}
    for bad in ({"ONE": ""}, {"ONE": "k1"}, {"ONE": "=X"}, {"ONE": ","}, {}):
        with pytest.raises(ConfigError, match="ONE") as info:
            keys_from_env(["ONE"], bad)
        assert "k1" not in str(info.value)  # a secret never shows in an error


def test_keys_from_a_file(tmp_path: Path) -> None:
    secrets = tmp_path / "keys"
    secrets.write_text("k9=Q\n")
    assert keys_from_env(["SIM_KEYS"], {"SIM_KEYS_FILE": str(secrets)}) == {"k9": "Q"}
