"""The examples in synthetic/ are well-formed and only use flags the probe accepts."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest
import yaml

from gatewatch.cli.probe import command
from gatewatch.core.config import load_targets
from gatewatch.core.durations import parse_duration

SYNTHETIC = Path(__file__).resolve().parents[2] / "synthetic"
DURATION_FLAGS = ("--every", "--deadline", "--pending-max-age", "--first-interval", "--max-interval")


def assert_valid_probe_args(args: list[str]) -> None:
    assert args[0] == "probe", args
    ctx = command.make_context("probe", list(args[1:]))  # parses and converts every flag
    for flag in DURATION_FLAGS:
        value = ctx.params.get(flag.lstrip("-").replace("-", "_"))
        if isinstance(value, str):
            parse_duration(value, key=flag)
    assert "--allow-production" in args  # the examples target production on purpose
    assert not any("key" in a.lower() and "=" in a for a in args)  # no key on a command line


def probe_args(command_line: str) -> list[str]:
    words = shlex.split(command_line)
    start = next(i for i, w in enumerate(words) if w.endswith("gatewatch") and words[i + 1] == "probe")
    args = words[start + 1 :]
    return args[: args.index(">>")] if ">>" in args else args


def test_crontab():
    lines = [
        line
        for line in (SYNTHETIC / "crontab.example").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    entries = [line for line in lines if "=" not in line.split()[0]]
    assert len(entries) == 1
    fields = entries[0].split(None, 6)
    assert len(fields) == 7  # five time fields, the user (cron.d), the command
    assert_valid_probe_args(probe_args(fields[6]))
    assert "--once" in fields[6]
    assert any(line.startswith("GATEWATCH_API_KEY_FILE=") for line in lines)


def test_kubernetes_cronjob(tmp_path):
    docs = list(yaml.safe_load_all((SYNTHETIC / "kubernetes" / "cronjob.yaml").read_text()))
    by_kind = {d["kind"]: d for d in docs}
    assert set(by_kind) == {"ConfigMap", "PersistentVolumeClaim", "CronJob"}
    cron = by_kind["CronJob"]["spec"]
    assert cron["concurrencyPolicy"] == "Forbid"
    job = cron["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 0
    (container,) = job["template"]["spec"]["containers"]
    assert_valid_probe_args(container["args"])
    env = {e["name"]: e for e in container["env"]}
    assert "secretKeyRef" in env["GATEWATCH_API_KEY"]["valueFrom"]
    targets = tmp_path / "gatewatch.toml"
    targets.write_text(by_kind["ConfigMap"]["data"]["gatewatch.toml"])
    target = load_targets(targets)["production"]
    assert target.is_production and "delivered" in target.recipients


@pytest.mark.parametrize("unit", ["gatewatch-probe.service", "gatewatch-probe-loop.service"])
def test_systemd_services(unit):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string((SYNTHETIC / "systemd" / unit).read_text())
    exec_start = parser["Service"]["ExecStart"]
    assert_valid_probe_args(probe_args(exec_start))
    assert "LoadCredential" in parser["Service"]


def test_systemd_timer():
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string((SYNTHETIC / "systemd" / "gatewatch-probe.timer").read_text())
    assert parser["Timer"]["OnUnitActiveSec"]
    assert parser["Install"]["WantedBy"] == "timers.target"


def test_targets_example_loads():
    targets = load_targets(SYNTHETIC / "gatewatch.toml.example")
    production = targets["production"]
    assert production.is_production
    assert set(production.initial_delay_s) == set(production.channels)
