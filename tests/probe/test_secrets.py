"""The key never appears in stdout, stderr, the history, the textfile or /metrics."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests

from gatewatch.simulator import Faults, Simulator, SimulatorConfig

from .conftest import STEP_S, write_targets

SENTINEL = "sk-SENTINEL-7f3a9c-do-not-print"
WRONG = "sk-WRONG-SENTINEL-0b1d"


@pytest.fixture(scope="module")
def keyed_sim() -> Iterator[Simulator]:
    config = SimulatorConfig(step_s=STEP_S, extra_api_keys={SENTINEL: "A"})
    with Simulator(config) as sim:
        yield sim


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("key", "faults", "defects", "outcome"),
    [
        (SENTINEL, None, (), "delivered"),
        (SENTINEL, Faults(drop_rate=0.5, error_rate=0.3), (), None),
        (SENTINEL, None, ("echo_id_wrong",), "contract_violation"),
        (WRONG, None, (), None),  # refused by the preflight: exit 2, nothing exported
    ],
    ids=["delivered", "faults", "violation", "wrong-key"],
)
def test_the_key_is_never_printed_or_stored(
    keyed_sim, tmp_path, probe_cli, monkeypatch, key, faults, defects, outcome
):
    keyed_sim.reset()
    if faults is not None:
        keyed_sim.set_faults(faults)
    keyed_sim.set_defects(defects)
    monkeypatch.setenv("GATEWATCH_API_KEY", key)
    targets = write_targets(tmp_path / "t.toml", keyed_sim.base_url)
    history, prom = tmp_path / "h.jsonl", tmp_path / "p.prom"
    port = _port()
    scraped: list[str] = []

    # Scrape /metrics while the loop runs, from the loop's own thread of control.
    from gatewatch.probe import loop as loop_module

    original = loop_module.Probe.export

    def export_and_scrape(self):  # type: ignore[no-untyped-def]
        original(self)
        scraped.append(requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text)

    monkeypatch.setattr(loop_module.Probe, "export", export_and_scrape)
    result = probe_cli(
        "--config",
        str(targets),
        "--target",
        "sim",
        "--channel",
        "all",
        "--first-interval",
        "20ms",
        "--history",
        str(history),
        "--textfile",
        str(prom),
        "--every",
        "10ms",
        "--max-runs",
        "2",
        "--metrics-listen",
        f"127.0.0.1:{port}",
    )
    keyed_sim.reset()
    if outcome is not None:
        assert f"outcome={outcome} " in result.out, result.out + result.err
    outputs = {"stdout": result.out, "stderr": result.err, "history": history.read_text()}
    if key == WRONG:
        assert result.code == 2 and "refused the key" in result.err
    else:
        assert scraped, "the /metrics endpoint was not scraped"
        outputs |= {"textfile": prom.read_text(), "/metrics": "\n".join(scraped)}
    for name, text in outputs.items():
        assert key not in text, name
        assert "sk-" not in text, name
