"""The probe's callback: it claims the account's one webhook only as allowed, and puts back what it found.

A stub gateway keeps the registration and counts every call to it (`webhook_get`,
`webhook_write`), so a test sees what the probe wrote, not only what it said.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from gatewatch.contract import resolve_contract
from gatewatch.core.config import resolve_target
from gatewatch.core.options.probe import ProbeOptions
from gatewatch.core.options.webhooks import WebhookOptions
from gatewatch.core.webhooks import ListenAddress
from gatewatch.probe.callback import may_replace
from gatewatch.probe.clock import SystemClock
from gatewatch.probe.loop import CycleReport, LoopOptions
from gatewatch.probe.service import ServiceConfig, run_service

from .conftest import FAST_FLAGS, CliResult, write_targets
from .stub_gateway import StubGateway

THEIRS = "https://partner.example/hooks/delivery?token=s3cr3t-partner-token"
LISTEN = [WebhookOptions.flag_of("webhook_listen"), "127.0.0.1:0"]
REPLACE = ProbeOptions.flag_of("replace_webhook")
ALLOW = ProbeOptions.flag_of("allow_production")


def writes(stub: StubGateway) -> int:
    return sum(op == "webhook_write" for op, _ in stub.script.seen)


def sends(stub: StubGateway) -> int:
    return sum(op == "send" for op, _ in stub.script.seen)


@pytest.fixture
def production(
    gateway_stub: StubGateway, dialect: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Flags for the stub as a production target whose account has the partner's webhook."""
    monkeypatch.setenv("GATEWATCH_API_KEY", gateway_stub.key)
    gateway_stub.script.webhook = THEIRS
    # A production target names its test recipient (there is no default real number).
    recipient = 'recipients = { delivered = "+393400000001" }'
    path = tmp_path / "targets.toml"
    targets = write_targets(path, gateway_stub.base_url, kind="production", extra=recipient)
    return [
        "--config",
        str(targets),
        "--target",
        "sim",
        "--contracts",
        dialect,
        *FAST_FLAGS,
        "--channel",
        "SMS",
    ]


@pytest.mark.parametrize("flags", [(), (REPLACE,)])
def test_production_without_allow_production_never_touches_the_webhook(
    gateway_stub: StubGateway,
    production: list[str],
    probe_cli: Callable[..., CliResult],
    flags: tuple[str, ...],
) -> None:
    result = probe_cli(*production, *LISTEN, *flags)
    assert result.code == 2, result.out + result.err
    assert ALLOW in result.err
    assert writes(gateway_stub) == 0 and sends(gateway_stub) == 0
    assert gateway_stub.script.webhook == THEIRS


def test_another_webhook_is_refused_without_replace_webhook(
    gateway_stub: StubGateway, production: list[str], probe_cli: Callable[..., CliResult]
) -> None:
    result = probe_cli(*production, ALLOW, *LISTEN)
    assert result.code == 2, result.out + result.err
    assert writes(gateway_stub) == 0 and sends(gateway_stub) == 0
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "partner.example" in lines[0] and REPLACE in lines[0] and "one delivery-status webhook" in lines[0]
    assert "token" not in result.err and "hooks/delivery" not in result.err  # the host only


def test_with_both_opt_ins_the_webhook_is_replaced_and_put_back(
    gateway_stub: StubGateway, production: list[str], probe_cli: Callable[..., CliResult]
) -> None:
    result = probe_cli(*production, ALLOW, REPLACE, *LISTEN)
    # The stub sends no webhooks: the run itself ends webhook_lost; what matters here is the account's.
    assert "outcome=webhook_lost" in result.out, result.out + result.err
    assert writes(gateway_stub) == 2  # ours, then theirs back
    assert gateway_stub.script.webhook == THEIRS


def test_a_webhook_calling_the_probe_already_is_left_as_it_is(
    gateway_stub: StubGateway, stub_target: list[str], probe_cli: Callable[..., CliResult]
) -> None:
    with socket.socket() as probe:  # a free port, then the receiver binds it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ours = f"http://127.0.0.1:{port}"
    gateway_stub.script.webhook = ours
    result = probe_cli(*stub_target, LISTEN[0], f"127.0.0.1:{port}")
    assert "outcome=webhook_lost" in result.out, result.out + result.err
    assert writes(gateway_stub) == 0 and gateway_stub.script.webhook == ours


def test_a_webhook_the_probe_created_is_deleted_at_exit(
    gateway_stub: StubGateway, stub_target: list[str], probe_cli: Callable[..., CliResult]
) -> None:
    result = probe_cli(*stub_target, *LISTEN)
    assert "outcome=webhook_lost" in result.out, result.out + result.err
    assert writes(gateway_stub) == 2  # POST, DELETE
    assert gateway_stub.script.webhook is None


def test_a_refused_callback_names_the_public_url_flag(
    gateway_stub: StubGateway, stub_target: list[str], probe_cli: Callable[..., CliResult]
) -> None:
    gateway_stub.script.refuse_callback = True
    result = probe_cli(*stub_target, *LISTEN)
    assert result.code == 2, result.out + result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and WebhookOptions.flag_of("webhook_public_url") in lines[0], result.err
    assert sends(gateway_stub) == 0 and gateway_stub.script.webhook is None


@pytest.mark.parametrize("value", ["nowhere", "127.0.0.1:99999", "0.0.0.0", "0.0.0.0:0"])
def test_a_bad_listen_address_is_one_line(
    gateway_stub: StubGateway, stub_target: list[str], probe_cli: Callable[..., CliResult], value: str
) -> None:
    result = probe_cli(*stub_target, LISTEN[0], value)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and LISTEN[0] in lines[0], result.err
    assert gateway_stub.script.seen == []


def test_a_stopped_loop_puts_the_webhook_back(
    gateway_stub: StubGateway, dialect: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWATCH_API_KEY", gateway_stub.key)
    gateway_stub.script.webhook = THEIRS
    clock = SystemClock()
    claimed: list[str | None] = []

    def stop(report: CycleReport) -> None:
        claimed.append(gateway_stub.script.webhook)
        clock.stop()  # as SIGTERM does

    contract = resolve_contract(dialect)
    config = ServiceConfig(
        target=resolve_target(base_url=gateway_stub.base_url),
        contract=contract,
        channels=("SMS",),
        initial_delays={"SMS": 0.02},
        deadline_s=0.5,
        history=tmp_path / "history.jsonl",
        loop=LoopOptions(every_s=3600.0),
        webhook_listen=ListenAddress("127.0.0.1", 0),
        replace_webhook=True,
    )
    assert run_service(config, out=lambda line: None, clock=clock, on_cycle=stop) == 0
    assert claimed and claimed[0] != THEIRS  # the loop ran with ours
    assert gateway_stub.script.webhook == THEIRS


@pytest.mark.parametrize(
    ("kind", "allow", "replace_webhook", "may"),
    [
        ("local", False, False, False),
        ("local", False, True, True),
        ("staging", False, True, True),
        ("production", False, True, False),
        ("production", True, False, False),
        ("production", True, True, True),
    ],
)
def test_another_webhook_is_replaced_only_as_allowed(
    kind: str, allow: bool, replace_webhook: bool, may: bool
) -> None:
    target = replace(resolve_target(base_url="http://127.0.0.1:9/api"), kind=kind)
    assert may_replace(target, allow_production=allow, replace_webhook=replace_webhook) is may
