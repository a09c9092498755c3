"""The suite puts back the webhook it found, and never writes a production account's without both opt-ins."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gatewatch.contract import resolve_contract
from gatewatch.core.config import Keys, local_target
from gatewatch.core.options.contract import ContractOptions
from gatewatch.core.options.webhooks import WebhookOptions
from gatewatch.core.secrets import Secret
from gatewatch.simulator import Simulator, SimulatorConfig
from gatewatch.suite import SuiteSession
from gatewatch.suite.summary import SuiteReporter
from gatewatch.suite.webhook_watch import DELIVERY_RULES, callback_or_skip
from tests.simulator.client import KEY_A, Api
from tests.suite.conftest import run_suite

VENDOR = resolve_contract("vendor")
NAMES = VENDOR.webhooks.registration
THEIRS = "https://partner.example/their-own-hook"
WEBHOOK_RULES = ("webhook_register", "webhook_one_per_account", "webhook_update", "webhook_delete")


def _session(kind: str, *, allow: bool = False, replace_webhook: bool = False) -> SuiteSession:
    target = replace(local_target(VENDOR, "http://127.0.0.1:9/api"), kind=kind)
    return SuiteSession(
        contract=VENDOR,
        target=target,
        keys=Keys(primary=Secret("key-a"), second=None),
        base_url="http://127.0.0.1:9/api",
        allow_production=allow,
        replace_webhook=replace_webhook,
    )


@pytest.mark.parametrize(
    ("kind", "allow", "replace_webhook", "may"),
    [
        ("local", False, False, True),
        ("staging", False, False, True),
        ("production", False, False, False),
        ("production", True, False, False),
        ("production", False, True, False),
        ("production", True, True, True),
    ],
)
def test_a_production_webhook_is_written_only_with_both_opt_ins(
    kind: str, allow: bool, replace_webhook: bool, may: bool
) -> None:
    assert _session(kind, allow=allow, replace_webhook=replace_webhook).may_change_webhook is may


def _registration(api: Api) -> dict[str, Any] | None:
    answer = api.request("GET", api.url(NAMES.path), headers=api.auth(KEY_A))
    return answer.json() if answer.status_code == VENDOR.codes.ok else None


def _register(api: Api) -> dict[str, Any]:
    answer = api.request(
        "POST", api.url(NAMES.path), headers=api.auth(KEY_A), json={NAMES.callback_url: THEIRS}
    )
    assert answer.status_code == VENDOR.codes.created, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _suite(tmp_path: Path, sim: Simulator, kind: str, *flags: str) -> Any:
    config = tmp_path / "targets.toml"
    config.write_text(f"[targets.t]\nkind = '{kind}'\nbase_url = '{sim.base_url}'\nrate_limit = 'none'\n")
    return run_suite(tmp_path / "r", "--config", str(config), "--target", "t", "-k", "webhooks", *flags)


@pytest.mark.parametrize("flags", [(), (ContractOptions.flag_of("allow_production"),)])
def test_a_production_webhook_is_only_read_without_both_opt_ins(
    tmp_path: Path, flags: tuple[str, ...]
) -> None:
    with Simulator() as sim:
        api = Api(sim)
        before = _register(api)
        run = _suite(tmp_path, sim, "production", *flags)
        after = _registration(api)
        api.close()
    assert run.exit_code == 0, run.output[-3000:]
    assert after == before, "the production account's webhook was changed"
    rules = run.summary["rules"]
    assert rules["webhook_get"]["status"] == "passed", "reading it is allowed"
    for rule in WEBHOOK_RULES:
        assert rules[rule]["status"] == "skipped", rule
    assert ContractOptions.flag_of("replace_webhook") in run.output


@pytest.mark.parametrize(
    ("kind", "flags"),
    [
        ("staging", ()),
        (
            "production",
            (ContractOptions.flag_of("allow_production"), ContractOptions.flag_of("replace_webhook")),
        ),
    ],
)
def test_the_suite_puts_back_the_webhook_it_found(tmp_path: Path, kind: str, flags: tuple[str, ...]) -> None:
    with Simulator() as sim:
        api = Api(sim)
        _register(api)
        run = _suite(tmp_path, sim, kind, *flags)
        after = _registration(api)
        api.close()
    assert run.exit_code == 0, run.output[-3000:]
    for rule in WEBHOOK_RULES:
        assert run.summary["rules"][rule]["status"] == "passed", rule
    assert after is not None and after[NAMES.callback_url] == THEIRS


def test_the_suite_leaves_no_webhook_where_it_found_none(tmp_path: Path) -> None:
    with Simulator() as sim:
        api = Api(sim)
        run = _suite(tmp_path, sim, "staging")
        after = _registration(api)
        api.close()
    assert run.exit_code == 0, run.output[-3000:]
    assert after is None


# -- the delivery tests (test_webhook_deliveries.py) borrow the webhook the same way -------------


def _delivery_suite(tmp_path: Path, sim: Simulator, kind: str, *flags: str) -> Any:
    config = tmp_path / "targets.toml"
    # A production target configures no test recipients unless told: these are the simulator's.
    numbers = "".join(f"{o} = '{n}'\n" for o, n in local_target(VENDOR).recipients.items())
    config.write_text(
        f"[targets.t]\nkind = '{kind}'\nbase_url = '{sim.base_url}'\nrate_limit = 'none'\n"
        f"[targets.t.recipients]\n{numbers}"
    )
    args = ("--config", str(config), "--target", "t", "-k", "webhook_deliveries", *flags)
    return run_suite(tmp_path / "r", *args)


def _deliveries_around_theirs(
    tmp_path: Path, *flags: str
) -> tuple[dict[str, Any], Any, dict[str, Any] | None]:
    """A production account with its own webhook: the one found, the delivery tests' run, the one after."""
    with Simulator(SimulatorConfig(allow_http_loopback_webhooks=True)) as sim:
        api = Api(sim)
        before = _register(api)
        run = _delivery_suite(tmp_path, sim, "production", *flags)
        after = _registration(api)
        api.close()
    return before, run, after


def test_without_replace_webhook_a_production_run_leaves_the_delivery_rules_untested(
    tmp_path: Path,
) -> None:
    before, run, after = _deliveries_around_theirs(tmp_path, ContractOptions.flag_of("allow_production"))
    assert run.exit_code == 0, run.output[-3000:]
    assert after == before, "the production account's webhook was changed"
    for rule in DELIVERY_RULES:
        verdict = run.summary["rules"][rule]
        assert verdict["status"] == "skipped", rule
        assert ContractOptions.flag_of("replace_webhook") in verdict["reason"], verdict


def test_the_delivery_tests_put_back_the_production_webhook_they_found(tmp_path: Path) -> None:
    flags = (ContractOptions.flag_of("allow_production"), ContractOptions.flag_of("replace_webhook"))
    _, run, after = _deliveries_around_theirs(tmp_path, *flags)
    assert run.exit_code == 0, run.output[-3000:]
    for rule in DELIVERY_RULES:
        assert run.summary["rules"][rule]["status"] == "passed", rule
    assert after is not None and after[NAMES.callback_url] == THEIRS


def test_a_target_elsewhere_without_a_listen_address_leaves_the_delivery_rules_untested(
    tmp_path: Path,
) -> None:
    target = replace(local_target(VENDOR, "https://gw.example.test/api"), kind="staging")
    gw = SuiteSession(
        contract=VENDOR, target=target, keys=Keys(primary=Secret("key-a"), second=None), base_url="-"
    )
    with ExitStack() as stack, pytest.raises(pytest.skip.Exception) as skipped:
        callback_or_skip(gw, stack)
    reason = str(skipped.value)
    assert WebhookOptions.flag_of("webhook_listen") in reason and "\n" not in reason
    reporter = SuiteReporter(reports_dir=tmp_path, profile="ci", started=0.0, session=gw)
    rules = reporter.rules()
    for rule in DELIVERY_RULES:
        assert (rules[rule].status, rules[rule].reason) == ("skipped", reason), rule


def test_a_listen_address_no_gateway_can_call_is_a_usage_error_before_the_suite_runs(tmp_path: Path) -> None:
    listen = WebhookOptions(webhook_listen="0.0.0.0:0").as_args()
    run = run_suite(tmp_path / "r", *listen)
    assert run.exit_code == 2, run.output[-2000:]
    (line,) = run.output.strip().splitlines()
    assert "--webhook-listen" in line and "--webhook-public-url" in line, line
    assert not (tmp_path / "r" / "summary.json").exists()
