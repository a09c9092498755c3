"""The canary's Grafana dashboard: built with Grafana's SDK, shipped up to date, and reading real series."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from grafana_foundation_sdk.models import dashboard as dm

from gatewatch.contract import default_contract
from gatewatch.core.options.probe import DEFAULT_JOB
from gatewatch.core.options.probe_rules import SHIPPED_SLO
from gatewatch.probe.alert_rules import generate
from gatewatch.probe.dashboard import build
from gatewatch.probe.metrics import ProbeMetrics
from gatewatch.probe.slo import load_slo

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "synthetic" / "grafana"
SHIPPED = GRAFANA / "gatewatch-probe.json"
NAME = re.compile(r"\b(gatewatch_probe[a-zA-Z0-9_:]*|push_time_seconds)\b")
GRID_WIDTH = 24


def shipped() -> dict[str, Any]:
    board: dict[str, Any] = json.loads(SHIPPED.read_text())
    return board


def exported() -> set[str]:
    """Every series name the probe's registry exposes (counters with _total, histograms' _bucket...)."""
    families = list(ProbeMetrics(default_contract(), ["SMS"]).registry.collect())
    names = {sample.name for family in families for sample in family.samples}
    # A histogram without observations has no samples yet: its series names all the same.
    suffixes = {"histogram": ("_bucket", "_sum", "_count"), "counter": ("_total",)}
    return names | {f.name + s for f in families for s in suffixes.get(f.type, ("",))}


def recorded() -> set[str]:
    rules = yaml.safe_load(generate(load_slo(ROOT / SHIPPED_SLO), default_contract(), slo_name="slo.yaml"))
    return {r["record"] for g in rules["groups"] for r in g["rules"] if "record" in r}


def exprs(board: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in board["panels"] for t in p.get("targets", [])]


def test_the_shipped_dashboard_is_the_builders_output_for_the_shipped_slo():
    regenerate = (
        "python -m gatewatch.probe.dashboard synthetic/slo.yaml > synthetic/grafana/gatewatch-probe.json"
    )
    assert shipped() == build(load_slo(ROOT / SHIPPED_SLO), default_contract()), regenerate


def test_grafanas_model_reads_the_dashboard_back():
    board = shipped()
    model = dm.Dashboard.from_json(board)
    assert model.title == board["title"] and model.uid == board["uid"]
    assert model.panels is not None and len(model.panels) == len(board["panels"])


def test_every_series_a_panel_reads_is_exported_or_recorded():
    known = exported() | recorded()
    named = {name for expr in exprs(shipped()) for name in NAME.findall(expr)}
    assert named, "no metric found in the panels"
    assert sorted(named - known) == []


def test_the_rules_files_read_only_real_series_too():
    known = exported() | recorded() | {"push_time_seconds", DEFAULT_JOB}
    texts = [(ROOT / "synthetic" / f).read_text() for f in ("alerts.yml", "slo-rules.yml")]
    named = {name for text in texts for name in NAME.findall(text) if not name.endswith(":")}
    assert sorted(named - known) == []


def test_the_panels_the_issue_asks_for():
    board = shipped()
    by_type = {(p["type"], e) for p in board["panels"] for e in (t["expr"] for t in p.get("targets", []))}
    heatmaps = [e for kind, e in by_type if kind == "heatmap"]
    assert any("gatewatch_probe_time_to_status_seconds_bucket" in e for e in heatmaps)
    assert any(p.get("repeat") == "channel" for p in board["panels"] if p["type"] == "heatmap")
    every = " ".join(exprs(board))
    for wanted in (
        "gatewatch_probe_runs_total",  # outcome rates
        "gatewatch_probe:slo_budget_left:ratio",  # error budget left
        "gatewatch_probe:slo_burn_rate:",  # burn rate
        "gatewatch_probe_throttled_total",  # 429s
        "gatewatch_probe_last_success_timestamp_seconds",  # last successful run
        "gatewatch_probe_webhooks_lost_total",
        "gatewatch_probe_webhooks_contradicting_total",
        "gatewatch_probe:run_degraded",
    ):
        assert wanted in every, wanted


def test_panels_fit_the_grid_without_overlapping_and_ids_are_unique():
    panels = shipped()["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    cells: set[tuple[int, int]] = set()
    for p in panels:
        g = p["gridPos"]
        assert g["x"] >= 0 and g["x"] + g["w"] <= GRID_WIDTH, p["title"]
        mine = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
        assert not mine & cells, p["title"]
        cells |= mine


def test_every_query_uses_the_datasource_variable_and_the_provisioning_files_parse():
    board = shipped()
    names = {v["name"] for v in board["templating"]["list"]}
    assert {"datasource", "channel"} <= names
    targets = [t for p in board["panels"] for t in p.get("targets", [])]
    assert all(t["datasource"]["uid"] == "${datasource}" for t in targets)
    provisioning = yaml.safe_load((GRAFANA / "provisioning" / "dashboards.yaml").read_text())
    assert provisioning["apiVersion"] == 1 and provisioning["providers"][0]["type"] == "file"
    sources = yaml.safe_load((GRAFANA / "provisioning" / "datasources.yaml.example").read_text())
    assert sources["datasources"][0]["type"] == "prometheus"
