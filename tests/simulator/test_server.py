"""The Simulator object: context manager, port 0, clean stop, public API."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import requests

import gatewatch.simulator
from gatewatch.errors import ConfigError
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
    config = SimulatorConfig(defects=("status_lowercase",), faults=Faults(latency_ms=1))
    with Simulator(config) as sim:
        sim.set_defects([])
        sim.set_faults()
        assert sim.defects == () and not sim.faults.active
        sim.reset()
        assert sim.defects == ("status_lowercase",)
        assert sim.faults.latency_ms == 1


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
