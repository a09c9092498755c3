"""A recipient the contract refuses is a configuration error before anything is sent (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatewatch.contract import resolve_contract
from gatewatch.core.config import load_targets
from gatewatch.core.errors import ConfigError

from .conftest import write_targets


def _pattern(dialect: str) -> str:
    contract = resolve_contract(dialect)
    schema = contract.schemas[contract.schema_file("send_request")]
    return str(schema["properties"][contract.send.destination]["pattern"])


def test_probe_to_a_number_the_contract_refuses_exits_2_and_sends_nothing(sim, sim_target, probe_cli):
    result = probe_cli(*sim_target, "--once", "--to", "123")
    assert result.code == 2 and result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "--to" in lines[0] and "'123'" in lines[0] and _pattern("vendor") in lines[0]
    assert len(sim.app.store) == 0  # nothing was sent


def test_a_newline_after_the_number_is_refused_too(sim, sim_target, probe_cli):
    # ECMA-262: $ does not match before a final newline, unlike Python's re.
    result = probe_cli(*sim_target, "--once", "--to", "+393400000001\n")
    assert result.code == 2 and "--to" in result.err
    assert len(sim.app.store) == 0


def test_a_targets_files_recipient_is_checked_naming_its_key(sim, tmp_path: Path, probe_cli, monkeypatch):
    monkeypatch.setenv("GATEWATCH_API_KEY", "key-a")
    targets = write_targets(tmp_path / "t.toml", sim.base_url, extra='recipients = { delivered = "00391" }')
    result = probe_cli("--config", str(targets), "--target", "sim", "--once")
    assert result.code == 2 and result.out == ""
    assert "targets.sim.recipients.delivered" in result.err and "'00391'" in result.err
    assert str(targets) in result.err
    assert len(sim.app.store) == 0


TARGET = '[targets.t]\nbase_url = "http://127.0.0.1:9/api"\nrecipients = {{ delivered = "{number}" }}\n'


@pytest.mark.parametrize("dialect", ["vendor", "strict"])
def test_every_dialect_checks_its_own_destination_field(tmp_path: Path, dialect: str) -> None:
    path = tmp_path / "t.toml"
    contract = resolve_contract(dialect)
    path.write_text(TARGET.format(number="+39x"))
    with pytest.raises(ConfigError, match=contract.send.destination):
        load_targets(path, contract)
    path.write_text(TARGET.format(number="+393400000001"))
    assert load_targets(path, contract)["t"].recipients["delivered"] == "+393400000001"
