"""`gatewatch simulate --webhook-*`: the delivery webhooks' faults and retries from the command line.

The flags set the simulator's webhook faults at start (POST /_control/webhook-faults still
changes them later) and its retry settings; a bad value is one line and exit 2.
"""

from __future__ import annotations

import signal
from typing import Any

import pytest
import requests

from gatewatch.cli.simulate import command as simulate_command
from gatewatch.cli.simulate import simulator_config
from gatewatch.contract import resolve_contract
from gatewatch.contract.webhooks import PayloadRole
from gatewatch.core.options.simulate import SimulateOptions
from gatewatch.core.webhooks import Delivery, Receiver
from gatewatch.simulator import SimulatorConfig
from gatewatch.simulator.config import WebhookFaults
from gatewatch.simulator.payloads import field_for

from .client import DEFAULT_NUMBER, KEY_A
from .test_cli import run, simulate

VENDOR = resolve_contract("vendor")
WAIT_S = 10.0


def config_of(*args: str) -> SimulatorConfig:
    """The simulator's configuration `gatewatch simulate ARGS` would start with (parsed, not run)."""
    with simulate_command.make_context("simulate", list(args)) as ctx:
        options = SimulateOptions.from_values(ctx.params)
    return simulator_config(options, VENDOR)


def test_the_webhook_flags_reach_the_config() -> None:
    config = config_of(
        "--webhook-delay",
        "250ms",
        "--webhook-loss",
        "0.5",
        "--webhook-duplicates",
        "0.25",
        "--webhook-reorder",
        "0.75",
        "--webhook-attempts",
        "5",
        "--webhook-backoff",
        "20ms",
    )
    assert config.webhook_faults == WebhookFaults(delay_s=0.25, loss=0.5, duplicates=0.25, reorder=0.75)
    assert (config.webhook_attempts, config.webhook_backoff_s) == (5, 0.02)


def test_without_the_flags_the_webhooks_have_no_faults_and_the_default_retries() -> None:
    config, default = config_of(), SimulatorConfig()
    assert config.webhook_faults == WebhookFaults()
    assert (config.webhook_attempts, config.webhook_backoff_s) == (
        default.webhook_attempts,
        default.webhook_backoff_s,
    )


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--webhook-loss", "2"),
        ("--webhook-duplicates", "often"),
        ("--webhook-reorder", "-0.1"),
        ("--webhook-attempts", "0"),
        ("--webhook-delay", "soon"),
        ("--webhook-backoff", "-1s"),
    ],
)
def test_a_bad_webhook_value_is_one_line_and_exit_2(flag: str, value: str) -> None:
    result = run("simulate", flag, value)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gatewatch: ") and flag in lines[0], result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def message_ids(deliveries: tuple[Delivery, ...]) -> list[str]:
    name = field_for(VENDOR, VENDOR.webhooks.default_shape, PayloadRole.MESSAGE_ID)
    assert name is not None
    return [d.parsed[name] for d in deliveries if isinstance(d.parsed, dict)]


def post(url: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(url, json=body, headers={VENDOR.auth.header: VENDOR.auth.value(KEY_A)}, timeout=5)


def send(base_url: str) -> str:
    channel = VENDOR.channels[0]
    body = {VENDOR.send.destination: DEFAULT_NUMBER, VENDOR.send.text: "hi"}
    answer = post(base_url + VENDOR.send_paths[channel], body)
    assert answer.status_code == VENDOR.codes.created, answer.text
    message_id: str = answer.json()[VENDOR.send.id]
    return message_id


def test_webhook_duplicates_1_delivers_each_payload_twice() -> None:
    args = ("--webhook-duplicates", "1", "--allow-http-webhooks", "--control", "--step-s", "0.02")
    with Receiver() as receiver, simulate(*args) as (process, base_url):
        root = base_url.rsplit("/api", 1)[0]
        names = VENDOR.webhooks.registration
        registered = post(base_url + names.path, {names.callback_url: receiver.url})
        assert registered.status_code == VENDOR.codes.created, registered.text
        first, second = send(base_url), send(base_url)
        assert receiver.wait_for(lambda got: message_ids(got).count(second) == 2, WAIT_S), message_ids(
            receiver.deliveries()
        )
        # The flag is where the run starts; the control endpoint still changes it. A payload's
        # duplicate goes out right after it, so the marker, due later, comes after any.
        assert post(root + "/_control/webhook-faults", {"duplicates": 0.0}).status_code == 200
        once, marker = send(base_url), send(base_url)
        assert receiver.wait_for(lambda got: marker in message_ids(got), WAIT_S)
        assert message_ids(receiver.deliveries()) == [first, first, second, second, once, marker]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
