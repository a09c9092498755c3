"""What `gatewatch load` and the plugin refuse, with exit 2 or 3, a message and no traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from tests.load.conftest import LOCUSTFILE, SLO_FILE, Run, clean_env, run_process

TARGETS = """
[targets.prod]
kind = "production"
base_url = "http://127.0.0.1:9/api"

[targets.remote]
kind = "staging"
base_url = "http://10.0.0.7:8080/api"
"""


def write_targets(tmp_path: Path) -> Path:
    path = tmp_path / "gatewatch.toml"
    path.write_text(TARGETS, encoding="utf-8")
    return path


def assert_refused(run: Run, code: int, words: str) -> None:
    assert run.code == code, run.output[-3000:]
    assert words in run.stderr
    assert "Traceback" not in run.output
    assert not run.reports.exists()  # refused before Locust started


def test_a_production_target_is_refused_without_allow_production(
    gatewatch_load: Callable[..., Run], tmp_path: Path
) -> None:
    run = gatewatch_load("--config", str(write_targets(tmp_path)), "--target", "prod")
    assert_refused(run, 2, "without --allow-production")


def test_a_remote_host_is_refused_even_with_allow_production(
    gatewatch_load: Callable[..., Run], tmp_path: Path
) -> None:
    run = gatewatch_load("--config", str(write_targets(tmp_path)), "--target", "remote", "--allow-production")
    assert_refused(run, 2, "--allow-remote")


def test_no_key_for_a_given_url_is_a_usage_error(gatewatch_load: Callable[..., Run]) -> None:
    assert_refused(gatewatch_load("--base-url", "http://127.0.0.1:9/api"), 2, "no API key")


def test_a_target_that_does_not_listen_is_unreachable(gatewatch_load: Callable[..., Run]) -> None:
    run = gatewatch_load("--base-url", "http://127.0.0.1:9/api", env={"GATEWATCH_API_KEY": "key-a"})
    assert_refused(run, 3, "Connection refused")


def test_plain_locust_is_held_to_the_same_rules(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    run = run_process(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--host",
            "http://10.0.0.7:8080/api",
            "-u",
            "1",
            "-t",
            "2s",
            "--gatewatch-slo",
            str(SLO_FILE),
            "--gatewatch-load-dir",
            str(reports),
        ],
        env=clean_env({"GATEWATCH_API_KEY": "key-a"}),
        cwd=tmp_path,
        reports=reports,
    )
    assert_refused(run, 2, "--allow-remote")


def test_a_refused_key_is_a_usage_error_naming_the_header(
    gatewatch_load: Callable[..., Run], simulator: Callable[..., str]
) -> None:
    url = simulator()
    run = gatewatch_load("--base-url", url, env={"GATEWATCH_API_KEY": "not-a-key"})
    assert_refused(run, 2, "refused the key in $GATEWATCH_API_KEY")
    assert "X-Api-Key: ***" in run.stderr and "not-a-key" not in run.output


def test_this_machine_outside_the_allow_list_is_a_usage_error(gatewatch_load: Callable[..., Run]) -> None:
    from tests.stubs import Scripted, StubServer

    with StubServer() as stub:
        stub.script.append(Scripted(403, {"status": 403, "error": "Forbidden", "message": "IP not allowed"}))
        run = gatewatch_load("--base-url", stub.base_url, env={"GATEWATCH_API_KEY": "key-a"})
        assert [method for method, *_ in stub.seen] == ["GET"]  # the preflight only: nothing was sent
    assert_refused(run, 2, "add this machine's public address to the allow-list")
