"""Every command's options are declared once: click, pytest and Locust agree, and command lines read back.

The click commands, the pytest plugin's options and the Locust plugin's options are all
made from the dataclasses in `gatewatch.core.options`; these tests take each of them apart
again and check it says what the declaration says. The round trips write an options
object as a command line (a child's, or a replay line) and parse it with the command
that reads it: the same options come back.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import shlex
import tomllib
from pathlib import Path
from typing import Any

import click
import pytest

from gatewatch.contract import default_contract
from gatewatch.core.config import Run, local_target, resolve_run
from gatewatch.core.errors import ConfigError
from gatewatch.core.options import Declared, Options, Surface, TargetOptions, ValueKind
from gatewatch.core.options.contract import ContractOptions
from gatewatch.core.options.declare import ALL_SURFACES, embed, option
from gatewatch.core.options.load import LoadOptions
from gatewatch.core.options.probe import ProbeOptions
from gatewatch.core.options.report import ReportOptions
from gatewatch.core.options.run import RunOptions
from gatewatch.core.options.simulate import SimulateOptions
from gatewatch.core.options.webhooks import WebhookOptions
from gatewatch.loadtest.runner import load_plan, locust_command
from gatewatch.loadtest.settings import OPTIONS as LOCUST_OPTIONS
from gatewatch.loadtest.settings import LoadSettings, LocustOption
from gatewatch.pipeline import plan
from gatewatch.suite.options import add_options, dest, pytest_settings

COMMANDS: dict[str, type[Options]] = {
    "contract": ContractOptions,
    "load": LoadOptions,
    "probe": ProbeOptions,
    "simulate": SimulateOptions,
    "run": RunOptions,
    "report": ReportOptions,
}
CLI, PYTEST, LOCUST = Surface.CLI, Surface.PYTEST, Surface.LOCUST
CONTRACT = default_contract()


def click_command(name: str) -> click.Command:
    command: click.Command = importlib.import_module(f"gatewatch.cli.{name}").command
    return command


def parse(name: str, args: list[str]) -> Options:
    """What the `gatewatch NAME` command makes of `args` (parsed, not run)."""
    with click_command(name).make_context(name, list(args)) as ctx:
        return COMMANDS[name].from_values(ctx.params)


def sample_value(declared: Declared) -> Any:
    """A value for the option that is not its default, within its bounds."""
    o = declared.option
    if o.kind is ValueKind.FLAG:
        return True
    if o.kind is ValueKind.REST:
        return ("--loglevel", "DEBUG")
    if o.multiple:
        return (f"{declared.dest}-1", f"{declared.dest}-2")
    if o.kind in (ValueKind.FILE, ValueKind.DIR):
        return Path(f"/tmp/gw/{declared.dest}")
    if o.kind is ValueKind.INT:
        return int(o.low or 0) + 2
    if o.kind is ValueKind.FLOAT:
        low = o.low or 0.0
        return (low + o.high) / 2 if o.high is not None else low + 0.25
    if o.choices is not None:
        return next(c for c in o.choices() if c != o.default)
    return f"{declared.dest}-x"


def sample(cls: type[Options], surface: Surface) -> Any:
    """An options object with every option `surface` carries set to a value not its default."""
    values = {d.dest: sample_value(d) for d in cls.declared(surface)}
    return cls.from_values(values)


def on(options: Options, surface: Surface) -> dict[str, Any]:
    return {d.dest: options.value(d) for d in options.declared(surface)}


# -- one declaration, every surface ------------------------------------------------------


@pytest.mark.parametrize("name", COMMANDS)
def test_each_commands_click_flags_are_its_declarations(name: str) -> None:
    params = {p.name: p for p in click_command(name).params}
    declared = list(COMMANDS[name].declared(CLI))
    assert set(params) == {d.dest for d in declared}
    for d in declared:
        param = params[d.dest]
        if d.option.kind is ValueKind.REST:
            assert isinstance(param, click.Argument) and param.nargs == -1
            continue
        assert isinstance(param, click.Option)
        assert param.opts + param.secondary_opts == d.option.flags(), d.dest
        assert param.help == d.option.help
        assert param.default == (() if d.option.multiple else d.option.default), d.dest
        assert param.is_flag == (d.option.kind is ValueKind.FLAG)


class _PytestParser:
    def __init__(self) -> None:
        self.options: dict[str, dict[str, Any]] = {}

    def getgroup(self, *_: object) -> _PytestParser:
        return self

    def addoption(self, flag: str, **settings: Any) -> None:
        self.options[flag] = settings


def test_the_pytest_plugins_options_are_gatewatch_contracts_flags_prefixed() -> None:
    parser = _PytestParser()
    add_options(parser)  # type: ignore[arg-type]
    declared = list(ContractOptions.declared(PYTEST))
    assert set(parser.options) == {d.option.flag(PYTEST) for d in declared}
    cli = {p.name: p for p in click_command("contract").params}
    for d in declared:
        settings = parser.options[d.option.flag(PYTEST)]
        assert d.option.flag(PYTEST) == "--gatewatch-" + d.option.flag(CLI).removeprefix("--")
        assert settings["help"] == cli[d.dest].help == d.option.help
        assert settings["dest"] == dest(d.dest)
    # Every target flag a command takes, the suite's plugin takes too.
    assert {d.dest for d in TargetOptions.declared(PYTEST)} <= {d.dest for d in declared}


def test_the_locust_plugins_options_match_gatewatch_loads_flags() -> None:
    declared = list(LoadOptions.declared(LOCUST))
    assert [o.declared for o in LOCUST_OPTIONS] == declared
    cli = {p.name: p for p in click_command("load").params}
    shared = [d for d in declared if CLI in d.option.surfaces]
    assert {"target_name", "contracts", "skip_rules", "mix", "validate_sample", "ramp"} <= {
        d.dest for d in shared
    }
    for d in shared:
        locust = LocustOption(d)
        assert locust.flag == "--gatewatch-" + d.option.flag(CLI).removeprefix("--")
        assert cli[d.dest].help == d.option.help and locust.help.startswith(d.option.help)
        assert locust.default == (None if d.option.multiple else d.option.default)


def test_an_option_declared_once_appears_on_every_surface() -> None:
    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class Extended(Options):
        SURFACES = ALL_SURFACES

        target: TargetOptions = embed(TargetOptions)
        extra_calls: int = option(
            name="extra-calls", kind=ValueKind.INT, default=3, low=1, help="More calls."
        )

    from gatewatch.cli.options import options_command

    command = options_command(Extended, name="extended")(lambda options: options)
    flags = {f for p in command.params for f in p.opts}
    assert {"--extra-calls", "--target", "--rate-limit"} <= flags
    extra = next(d for d in Extended.declared() if d.dest == "extra_calls")
    assert pytest_settings(extra) == {
        "dest": "gw_extra_calls",
        "help": "More calls.",
        "default": 3,
        "metavar": None,
        "type": int,
    }
    locust = LocustOption(extra)
    assert (locust.flag, locust.dest, locust.env_var) == (
        "--gatewatch-extra-calls",
        "gatewatch_extra_calls",
        "GATEWATCH_LOAD_EXTRA_CALLS",
    )
    given = Extended(target=TargetOptions(target_name="staging"), extra_calls=5)
    assert given.as_args() == ["--target", "staging", "--extra-calls", "5"]
    with command.make_context("extended", given.as_args()) as ctx:
        assert Extended.from_values(ctx.params) == given
    with pytest.raises(click.BadParameter):
        command.make_context("extended", ["--extra-calls", "0"])


def test_each_default_is_the_declarations() -> None:
    # The defaults the issue found spelled in several places, each now read from one field.
    assert ContractOptions().profile == RunOptions().profile
    assert ContractOptions().reports_dir == LoadOptions().reports_dir == ProbeOptions().reports_dir
    assert LoadOptions().load_dir == str(default_load_dir())
    assert RunOptions.flag_of("profile") == ContractOptions.flag_of("profile") == "--profile"


def default_load_dir() -> Path:
    from gatewatch.core.config import DEFAULT_REPORTS_DIR
    from gatewatch.core.reports_layout import ReportsLayout

    return ReportsLayout(DEFAULT_REPORTS_DIR).load_dir


# -- round trips: options -> command line -> the reader's parse -> the same options -------


@pytest.mark.parametrize("explicit", [False, True])
@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_reads_back_the_command_line_written_for_it(name: str, explicit: bool) -> None:
    given = sample(COMMANDS[name], CLI)
    assert parse(name, given.as_args(explicit=explicit)) == given
    default = COMMANDS[name]()
    assert parse(name, default.as_args(explicit=explicit)) == default


def test_gatewatch_runs_parts_read_their_command_lines_back_as_planned() -> None:
    where = TargetOptions(
        config_file=Path("/t/gatewatch.toml"),
        contracts="strict",
        rate_limit="20/s",
        skip_rules=("echo_id", "error_body"),
        api_key_env="MY_KEY",
        second_api_key_env="MY_OTHER_KEY",
    )
    options = RunOptions(
        target=where,
        reports_dir=Path("/r"),
        allow_production=True,
        allow_remote=True,
        profile="deep",
        seed=9,
        load_duration="5s",
    )
    common: dict[str, Any] = {"target": where, "reports_dir": Path("/r"), "allow_production": True}
    expected = {
        "contract": ContractOptions(**common, profile="deep", seed=9),
        "load": LoadOptions(**common, allow_remote=True, duration="5s", users=5),
        "probe": ProbeOptions(**common, once=True),
    }
    parts = [p for p in plan(Run(target=local_target(CONTRACT), contract=CONTRACT), options) if not p.skipped]
    assert {p.name for p in parts} >= {"contract", "probe"}
    for part in parts:
        assert parse(part.name, list(part.args)) == expected[part.name], part.name


def _locust_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    for locust in LOCUST_OPTIONS:
        settings = {k: v for k, v in locust.argument().items() if k != "env_var"}  # configargparse's
        parser.add_argument(locust.flag, **settings)
    return parser


def test_the_locust_processes_read_back_what_gatewatch_load_tells_them(tmp_path: Path) -> None:
    given = dataclasses.replace(
        sample(LoadOptions, LOCUST),
        arrival_rate=0.0,  # the ramp sets the rate itself
        mix="known=50,batch=50",
        target=TargetOptions(target_name=None, skip_rules=("echo_id", "error_body"), api_key_env="K"),
        reports_dir=tmp_path,
    )
    run = Run(target=local_target(CONTRACT), contract=CONTRACT)
    planned = load_plan(given, run)
    argv = locust_command(planned, "http://127.0.0.1:1/api", "r1")
    namespace, _ = _locust_parser().parse_known_args(argv[3:])
    read = LoadSettings.from_namespace(namespace).options
    told = dataclasses.replace(planned.options, run_id="r1")
    assert on(read, LOCUST) == on(told, LOCUST)
    assert read.target.skip_rules == ("echo_id", "error_body")
    assert read.target.contracts == "vendor" and read.target.rate_limit == str(run.target.rate_limit)


def test_the_suite_plugin_reads_back_what_gatewatch_contract_gives_pytest() -> None:
    from gatewatch.cli.contract import pytest_args

    given = sample(ContractOptions, CLI)
    parser = argparse.ArgumentParser()
    for d in ContractOptions.declared(PYTEST):
        parser.add_argument(d.option.flag(PYTEST), **pytest_settings(d))
    namespace, rest = parser.parse_known_args(pytest_args(given))
    read = ContractOptions.from_plugin(lambda d: getattr(namespace, dest(d.dest)), PYTEST)
    assert on(read, PYTEST) == on(given, PYTEST)
    # pytest's own flags carry the rest.
    assert ["-k", given.keyword] == rest[rest.index("-k") :][:2] and "-x" in rest and "-v" in rest


def test_a_replay_line_reads_back_as_the_run_it_replays() -> None:
    run = ContractOptions(
        target=TargetOptions(base_url="http://127.0.0.1:8/api", contracts="strict", skip_rules=("echo_id",)),
        reports_dir=Path("/elsewhere"),
        allow_production=True,
        profile="deep",
        seed=1,
    )
    line = run.replay_line(seed=7, keyword="test_sent_id_is_found_on_its_channel and SMS")
    program, command, *args = shlex.split(line)
    assert (program, command) == ("gatewatch", "contract")
    assert parse(command, args) == ContractOptions(
        target=run.target, profile="deep", seed=7, keyword="test_sent_id_is_found_on_its_channel and SMS"
    )
    assert run.replay_line(seed=7) == (
        "gatewatch contract --base-url http://127.0.0.1:8/api --contracts strict --skip-rule echo_id "
        "--profile deep --seed 7"
    )


def test_a_replay_line_repeats_where_the_gateway_calls_back() -> None:
    hooks = WebhookOptions(webhook_listen="0.0.0.0:8443", webhook_public_url="https://hooks.example.test/gw")
    run = ContractOptions(
        target=TargetOptions(base_url="https://gw.example.test/api"), webhooks=hooks, replace_webhook=True
    )
    line = run.replay_line(seed=3)
    assert "--webhook-listen 0.0.0.0:8443 --webhook-public-url https://hooks.example.test/gw" in line
    assert "--replace-webhook" not in line, "an opt-in is given again on purpose"
    _, command, *args = shlex.split(line)
    assert parse(command, args).webhooks == hooks


def test_a_wildcard_listen_address_needs_a_public_url_before_anything_is_sent() -> None:
    target = local_target(default_contract())
    with pytest.raises(ConfigError, match="no gateway can call") as refused:
        WebhookOptions(webhook_listen="0.0.0.0:8443").listen_address(target)
    assert "--webhook-public-url" in str(refused.value) and refused.value.key == "--webhook-listen"
    behind = WebhookOptions(webhook_listen="0.0.0.0:8443", webhook_public_url="https://hooks.example.test/gw")
    listen = behind.listen_address(target)
    assert listen is not None and listen.wildcard


# -- each thing read once ------------------------------------------------------------------


def test_a_run_reads_its_targets_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    targets = tmp_path / "gatewatch.toml"
    targets.write_text('[targets.staging]\nkind = "staging"\nbase_url = "https://gw.example.test/api"\n')
    reads: list[str] = []
    real = tomllib.loads

    def counting(text: str, **kwargs: Any) -> dict[str, Any]:
        reads.append(text)
        return real(text, **kwargs)

    monkeypatch.setattr(tomllib, "loads", counting)
    run = resolve_run(config_file=targets, target_name="staging")
    assert run.target.name == "staging"
    assert len(reads) == 1
