"""A target that echoes every request header back never gets the key into gatewatch's output.

The echo server copies each header (the key's among them) and the URL into its bodies and
its response headers, raw, percent-encoded and, for a Basic credential, decoded. The
contract suite, the probe, the load test and the report page all run against it with
sentinel keys; then the console and every file under the reports folder (binary ones
too) are searched for each sentinel in every form it could take.
"""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import quote

import pytest

from gatewatch.core.config import DEFAULT_KEY_ENV, DEFAULT_SECOND_KEY_ENV
from tests.hostile.conftest import TRACEBACK, Run, files_under, run_cli
from tests.hostile.servers import HostileServer

# "+", "/" and "=" change under percent-encoding, so an encoded echo is a different string.
SENTINEL = "sentinel+echo/key=7d3f"
SENTINEL_B = "sentinel-second-c41e8f"
BASIC_USER, BASIC_PASSWORD = "echo-user", "sentinel-pass-9b1f"


def forms(key: str) -> set[bytes]:
    """The key as sent, percent-encoded, and base64 (as a Basic credential and alone)."""
    user, _, password = key.partition(":")
    return {
        key.encode(),
        quote(key, safe="").encode(),
        base64.b64encode(key.encode()),
        base64.b64encode(f"{user}:{password}".encode()),
    }


def assert_nowhere(secrets: list[str], runs: list[Run], reports: Path) -> None:
    for run in runs:
        assert run.exit_code in (0, 1), (run.args, run.exit_code, run.output[-3000:])
        assert TRACEBACK not in run.output, (run.args, run.output[-3000:])
    needles = {form for secret in secrets for form in forms(secret)}
    for run in runs:
        found = [n for n in needles if n in run.output.encode()]
        assert found == [], (run.args, found)
    files = files_under(reports)
    assert files, "the runs wrote no reports"
    leaked = [(str(p.relative_to(reports)), n) for p in files for n in needles if n in p.read_bytes()]
    assert leaked == []


@pytest.mark.slow
def test_an_echoing_target_sees_no_key_in_any_output(tmp_path: Path, echo_server: HostileServer) -> None:
    reports = tmp_path / "reports"
    env = {DEFAULT_KEY_ENV: SENTINEL, DEFAULT_SECOND_KEY_ENV: SENTINEL_B}
    target = ("--base-url", echo_server.base_url, "--reports-dir", str(reports))
    runs = [
        run_cli("contract", *target, env=env, cwd=tmp_path),
        run_cli("probe", "--once", *target, env=env, cwd=tmp_path),
        run_cli("load", "--duration", "5s", "--users", "2", *target, env=env, cwd=tmp_path),
        run_cli("report", "--reports-dir", str(reports), env=env, cwd=tmp_path),
    ]
    # The echo did reach the harness: the suite failed on it (the answers are not a gateway's)
    # and the redacted key shows where the echo put it.
    assert runs[0].exit_code == 1
    assert (reports / "index.html").is_file()
    assert b"X-Api-Key: ***" in b"".join(p.read_bytes() for p in files_under(reports / "allure-results"))
    assert_nowhere([SENTINEL, SENTINEL_B], runs, reports)


@pytest.mark.slow
def test_an_echoing_target_sees_no_basic_credential(tmp_path: Path, echo_server: HostileServer) -> None:
    reports = tmp_path / "reports"
    config = tmp_path / "gatewatch.toml"
    config.write_text(
        f'[targets.echo]\nkind = "local"\nbase_url = "{echo_server.base_url}"\nauth = "basic"\n',
        encoding="utf-8",
    )
    key = f"{BASIC_USER}:{BASIC_PASSWORD}"
    env = {DEFAULT_KEY_ENV: key}
    target = ("--config", str(config), "--target", "echo", "--reports-dir", str(reports))
    runs = [
        run_cli("probe", "--once", *target, env=env, cwd=tmp_path),
        run_cli("contract", *target, "-k", "lookup", env=env, cwd=tmp_path),
    ]
    assert_nowhere([key, BASIC_PASSWORD], runs, reports)
