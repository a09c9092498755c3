"""Both shipped dialects, end to end: the probe speaks whichever contract it is given.

Against the stub gateway (which answers only requests shaped as its dialect says: the
auth header, the send body's fields) and against the embedded simulator started with the
command's contract.
"""

from __future__ import annotations

import pytest

from .conftest import FAST_FLAGS, read_history


def test_the_probe_is_delivered_in_each_dialect(gateway_stub, stub_target, probe_cli, tmp_path):
    history = tmp_path / "h.jsonl"
    result = probe_cli(*stub_target, "--history", str(history))
    assert result.code == 0, result.out + result.err
    assert "outcome=delivered " in result.out
    # The preflight (the lookup, then the batch lookup that shows the base URL is right), the send.
    assert [status for _, status in gateway_stub.script.seen][:3] == [404, 200, 201]
    (run,) = [r for r in read_history(history) if r["type"] == "run"]
    assert run["violations"] == []


def test_a_probe_in_the_other_dialect_than_the_gateway_is_refused_by_it(
    gateway_stub, dialect, probe_cli, monkeypatch
):
    monkeypatch.setenv("GATEWATCH_API_KEY", gateway_stub.key)
    other = "strict" if dialect == "vendor" else "vendor"
    result = probe_cli(
        "--base-url", gateway_stub.base_url, "--contracts", other, *FAST_FLAGS, "--channel", "SMS"
    )
    # The other dialect's auth header is not the stub's: its key is never seen.
    assert result.code == 2, result.out + result.err
    assert "refused the key" in result.err


@pytest.mark.parametrize("dialect", ["vendor", "strict"])
def test_the_embedded_simulator_serves_the_commands_dialect(dialect, probe_cli, monkeypatch, tmp_path):
    monkeypatch.delenv("GATEWATCH_API_KEY", raising=False)
    history = tmp_path / "h.jsonl"
    result = probe_cli("--contracts", dialect, "--channel", "all", "--history", str(history))
    assert result.code == 0, result.out + result.err
    runs = [r for r in read_history(history) if r["type"] == "run"]
    assert {r["outcome"] for r in runs} == {"delivered"} and all(r["violations"] == [] for r in runs)
