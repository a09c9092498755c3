"""The page: one self-contained HTML document (inline CSS and SVG, no script, nothing fetched).

A Content-Security-Policy that allows no fetch at all makes "no network at view time"
a property the browser enforces, not a promise. The overview table comes first: each
part's verdict, target, base URL, dialect and when it ran; then one section per part;
then the links to the other reports.
"""

from __future__ import annotations

from string import Template

from gatewatch.report.load_page import load_section
from gatewatch.report.markup import Html, badge, join, section, span, table, tag
from gatewatch.report.model import Link, Report, TargetInfo, Verdict
from gatewatch.report.probe_page import probe_section
from gatewatch.report.suite_page import suite_section

TITLE = "gatewatch report"
_PAGE = Template(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>$title</title>
<style>
$style
</style>
</head>
<body>
<header>
<h1>$title</h1>
<p class="lead">$lead</p>
<nav aria-label="Sections"><a href="#overview">Overview</a> <a href="#contract">Contract suite</a>
<a href="#load">Load test</a> <a href="#probe">Probe</a> <a href="#files">Files</a></nav>
</header>
<main>
$overview
$suite
$load
$probe
$files
</main>
</body>
</html>
"""
)
_STYLE = """
:root { --pass: #1a7f37; --fail: #cf222e; --none: #57606a; --warn: #9a6700; --ink: #1f2328; --line: #d0d7de; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
header, main { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); font-size: 22px; }
h3 { margin: 24px 0 8px; font-size: 18px; }
h4 { margin: 0 0 4px; font-size: 16px; } h4 code { font-size: 16px; }
nav { margin: 8px 0 12px; } nav a { margin-right: 14px; }
a { color: #0969da; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
pre { margin: 2px 0 10px; padding: 8px 10px; background: #f6f8fa; border: 1px solid var(--line);
  border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; }
.lead { margin: 0; font-size: 16px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 14px; font-size: 14px; }
caption { caption-side: bottom; text-align: left; padding-top: 4px; color: var(--none); font-size: 13px; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; border-bottom: 2px solid var(--line); }
tbody th { font-weight: 600; } .sub { display: block; font-weight: 400; font-size: 12px; color: var(--none); }
td code { overflow-wrap: anywhere; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.verdict { display: inline-block; padding: 1px 10px; border-radius: 12px; color: #fff;
  font-size: 13px; font-weight: 700; letter-spacing: .03em; vertical-align: middle; }
.verdict.passed { background: var(--pass); } .verdict.failed { background: var(--fail); }
.verdict.not-run { background: var(--none); } .verdict.unreadable { background: var(--warn); }
.verdict.interrupted { background: var(--warn); }
.status { font-weight: 600; } .status.passed { color: var(--pass); } .status.failed { color: var(--fail); }
.status.skipped { color: var(--warn); } .status.not-run { color: var(--none); }
.status.degraded { color: var(--warn); }
.mark { font-size: 12px; font-weight: 600; padding: 0 6px; margin-left: 4px; border-radius: 10px;
  border: 1px solid var(--warn); color: var(--warn); white-space: nowrap; }
.provenance { font-size: 13px; font-weight: 400; padding: 0 6px; border: 1px solid var(--line);
  border-radius: 10px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
.facts dt { font-weight: 600; } .facts dd { margin: 0; overflow-wrap: anywhere; }
.problem { margin: 8px 0; padding: 6px 12px; border-left: 4px solid var(--warn); background: #fff8c5; }
.problem ul { margin: 0; padding-left: 18px; }
.rule-failure { margin: 12px 0 18px; padding: 10px 14px; border: 1px solid var(--line);
  border-left: 4px solid var(--fail); border-radius: 6px; }
.rule-summary { margin: 0 0 6px; }
.headline { margin: 4px 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px;
  color: var(--fail); overflow-wrap: anywhere; }
.exchange { margin: 8px 0; } .exchange summary { cursor: pointer; font-weight: 600; overflow-wrap: anywhere; }
.pre-label { margin: 6px 0 2px; font-size: 13px; font-weight: 600; }
.note { color: var(--none); }
figure { margin: 10px 0 18px; } figcaption { color: var(--none); font-size: 13px; max-width: 760px; }
svg.chart { display: block; width: 100%; max-width: 960px; height: auto; }
.files li { margin: 2px 0; }
@media print { nav { display: none; } .exchange { break-inside: avoid; } }
"""


def render(report: Report) -> str:
    """The whole page for `report`."""
    return _PAGE.substitute(
        title=TITLE,
        style=_STYLE.strip(),
        lead=_lead(report),
        overview=_overview(report),
        suite=suite_section(report.suite),
        load=load_section(report.load),
        probe=probe_section(report.probe),
        files=_files(report.links, report.raw),
    )


def _lead(report: Report) -> Html:
    parts = (
        ("Contract suite", report.suite.verdict),
        ("load test", report.load.verdict),
        ("probe", report.probe.verdict),
    )
    return Html("; ".join(f"{name} {badge(verdict)}" for name, verdict in parts))


def _overview(report: Report) -> Html:
    rows = []
    for anchor, name, part_verdict, target, ran in (
        ("contract", "Contract suite", report.suite.verdict, report.suite.target, report.suite.ran),
        ("load", "Load test", report.load.verdict, report.load.target, report.load.ran),
        ("probe", "Synthetic probe", report.probe.verdict, report.probe.target, report.probe.ran),
    ):
        not_run = part_verdict in (Verdict.NOT_RUN, Verdict.INTERRUPTED)
        rows.append(
            (
                tag("a", name, href=f"#{anchor}"),
                badge(part_verdict),
                _target_name(target) if not not_run else None,
                target.base_url or (None if not_run else "not recorded"),
                _dialect(target) if not not_run else None,
                span(ran.started, ran.ended) or (None if not_run else "not recorded"),
            )
        )
    return section(
        "overview",
        "Overview",
        None,
        [table(["part", "verdict", "target", "base URL", "dialect", "ran (UTC)"], rows)],
    )


def _target_name(target: TargetInfo) -> str:
    if target.name is None:
        return "not recorded"
    return f"{target.name} ({target.kind})" if target.kind else target.name


def _dialect(target: TargetInfo) -> str:
    if target.dialect:
        return target.dialect
    return "not recorded"


def _files(links: tuple[Link, ...], raw: tuple[Link, ...]) -> Html:
    items = [_link(link) for link in links]
    body = [tag("ul", join(items), class_="files")]
    if raw:
        body.append(tag("h3", "The data this page was built from"))
        body.append(tag("ul", join(_link(link) for link in raw), class_="files"))
    return section("files", "Files", None, body)


def _link(link: Link) -> Html:
    if link.href is None:
        return tag("li", f"{link.label}: {link.note}")
    anchor = tag("a", link.label, href=link.href)
    note = (
        f" ({tag('code', link.href)}; {tag('span', link.note)})"
        if link.note
        else f" ({tag('code', link.href)})"
    )
    return tag("li", Html(f"{anchor}{note}"))
