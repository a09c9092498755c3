"""Reports folders for the HTML report's tests, shaped like what the commands write today.

The shapes are copied from real runs (the contract suite against the embedded simulator
with its output trimmed, a 40 s Locust run against a simulator with 3 % injected 500s, and
probe runs against a realistic simulator: delivered, error and stuck), plus the fields the
working tree has added since (the suite's dialect, vendor pages in `provenance` and 429s;
the load test's throttled counts). Each writer takes a folder, so a test can build a full
folder, one part, or break one file on purpose.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

BASE_URL = "http://127.0.0.1:46513/api"
# An answer body with every HTML special character in it: it must reach the page escaped.
NASTY_BODY = {
    "code": "MISSING_API_KEY",
    "message": "missing API key: send X-Api-Key: <key> & <script>alert('x')</script>",
}
CURL = (
    f"curl -sS -i -X POST {BASE_URL}/partner-gateway/v1/sms/messages -H 'Accept: application/json' "
    "-H 'Content-Type: application/json' -H 'X-Api-Key: ***' --data-binary "
    '\'{"destination": "+393400000001", "body": "gatewatch contract suite (delivered)"}\''
)


def _rule(provenance: str, summary: str, status: str, checks: int, **extra: Any) -> dict[str, Any]:
    return {
        "provenance": provenance,
        "summary": summary,
        "status": status,
        "reason": extra.pop("reason", None),
        "checks": checks,
        "violations": extra.pop("violations", 0),
        "examples": extra.pop("examples", []),
        "reproduce": extra.pop("reproduce", []),
    }


def suite_summary(*, result: str = "failed") -> dict[str, Any]:
    """summary.json as gatewatch.suite.summary writes it (a failing run, six of its rules)."""
    failing = result == "failed"
    rules = {
        "error_body": _rule(
            "vendor: llms-full.txt",
            'Every 4xx and 5xx body is {"status": the HTTP code, "error": non-empty, "message": non-empty}.',
            "failed" if failing else "passed",
            154,
            violations=52 if failing else 0,
            examples=["error-body.json: <root>: 'status' is a required property"] if failing else [],
            reproduce=[CURL] if failing else [],
        ),
        "send_accepted": _rule(
            "documented",
            "A valid send answers 201 (200 or 202 accepted) with customerMessageId (1-128 chars).",
            "failed" if failing else "passed",
            9,
            violations=3 if failing else 0,
            examples=["a valid send: expected 200 or 201 or 202, got 401"] if failing else [],
            reproduce=[CURL] if failing else [],
        ),
        "status_in_enum": _rule(
            "documented", "deliveryStato is one of the documented statuses.", "passed", 6
        ),
        "echo_id": _rule("pinned", "customerMessageId in the body equals the path id.", "passed", 6),
        "updated_at_monotonic": _rule(
            "pinned",
            "updatedAt never goes back for a message.",
            "skipped",
            0,
            reason="not exercised by this run",
        ),
        "rate_limit_enforced": _rule(
            "vendor: llms-full.txt",
            "Past the plan's limit the gateway answers 429.",
            "skipped",
            0,
            reason="switched off with --skip-rule",
        ),
    }
    failures = [
        {
            "test": "test_lookup.py::test_sent_id_is_found_on_its_channel[SMS]",
            "rules": ["error_body", "send_accepted"],
            "message": "gatewatch.suite.session.ContractViolation: 3 contract violation(s):",
            "reproduce": "gatewatch contract --seed 7 -k 'test_sent_id_is_found_on_its_channel and SMS'",
        },
        {
            "test": "test_send.py::test_valid_send_is_accepted_with_an_id[RCS]",
            "rules": ["echo_id"],
            "message": "KeyError: 'text'",
            "reproduce": "gatewatch contract --seed 7 -k 'test_valid_send_is_accepted_with_an_id and RCS'",
        },
    ]
    return {
        "tool": "gatewatch",
        "target": {
            "name": "local",
            "kind": "local",
            "base_url": BASE_URL,
            "rate_limit": None,
            "dry_run_sends": False,
        },
        "dialect": "vendor",
        "contracts": "/srv/gatewatch/contracts",
        "profile": "ci",
        "budget": "profile ci: 25 examples per property",
        "seed": 7,
        "replay": "gatewatch contract --seed 7",
        "started": "2026-12-01T09:02:13Z",
        "duration_s": 3.018,
        "exit_status": 1 if failing else 0,
        "result": result,
        "requests": 35,
        "server_errors": 0,
        "throttled": {"count": 3, "waited_s": 1.25},
        "first_failure_s": 0.0083,
        "tests": {"passed": 53 if failing else 55, "failed": 2 if failing else 0, "skipped": 0},
        "rules": rules,
        "failures": failures if failing else [],
    }


def exchange_attachment(body: object = NASTY_BODY) -> dict[str, Any]:
    """An allure attachment as gatewatch.suite.allure_glue writes it: Exchange.to_dict()."""
    return {
        "operation": "send",
        "request": {
            "method": "POST",
            "url": f"{BASE_URL}/partner-gateway/v1/sms/messages",
            "headers": {"Accept": "application/json", "Content-Type": "application/json", "X-Api-Key": "***"},
            "body": '{"destination": "+393400000001", "body": "gatewatch contract suite (delivered)"}',
        },
        "response": {
            "status": 401,
            "headers": {"date": "Tue, 01 Dec 2026 09:02:13 GMT", "content-type": "application/json"},
            "body": body,
            "elapsed_ms": 1.2,
        },
        "retried_statuses": [],
        "throttled": [],
        "curl": CURL,
    }


HEADLINES = (
    "gatewatch.suite.allure_glue._StepFailed: [error_body (vendor: llms-full.txt)] error-body.json: <root>: "
    "'status' is a required property; [send_accepted (documented)] a valid send: expected 200 or 201 or "
    "202, got 401\n"
)


def write_allure_results(folder: Path, *, failing: bool = True) -> Path:
    """allure-results/: a failed test whose failed step carries the call, a passed test, the environment."""
    results = folder / "allure-results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "0f00-attachment.json").write_text(json.dumps(exchange_attachment(), indent=2))
    (results / "0f01-attachment.txt").write_text(CURL)
    step = {
        "name": "POST /api/partner-gateway/v1/sms/messages -> 401",
        "status": "failed" if failing else "passed",
        "statusDetails": {"message": HEADLINES, "trace": "  File allure_glue.py, line 70\n"}
        if failing
        else {},
        "steps": [{"name": "error_body (error_body)", "status": "failed", "start": 1796115734611}],
        "attachments": [
            {"name": "request and response", "source": "0f00-attachment.json", "type": "application/json"},
            {"name": "reproduce (curl)", "source": "0f01-attachment.txt", "type": "text/plain"},
        ],
        "start": 1796115734610,
        "stop": 1796115734611,
    }
    labels = [
        {"name": "rule", "value": "error_body"},
        {"name": "feature", "value": "vendor"},
        {"name": "suite", "value": "test_lookup"},
        {"name": "framework", "value": "pytest"},
    ]
    failed = {
        "name": "test_sent_id_is_found_on_its_channel[SMS]",
        "status": "failed" if failing else "passed",
        "statusDetails": {"message": "gatewatch.suite.session.ContractViolation: 3 contract violation(s):"},
        "steps": [step],
        "start": 1796115734609,
        "stop": 1796115734620,
        "uuid": "aaaa0000-0000-4000-8000-000000000001",
        "historyId": "a72bc14ec3c5d574ad5d1efeeedafad1",
        "testCaseId": "a72bc14ec3c5d574ad5d1efeeedafad1",
        "fullName": "test_lookup#test_sent_id_is_found_on_its_channel",
        "labels": labels,
        "titlePath": ["test_lookup.py"],
    }
    passed = {
        "name": "test_status_is_in_the_enum[SMS]",
        "status": "passed",
        "start": 1796115734700,
        "stop": 1796115734705,
        "uuid": "aaaa0000-0000-4000-8000-000000000002",
        "historyId": "b1ed85826f3e5906394b3840abc23440",
        "testCaseId": "02aebfed8866b3d047c511aec0792eee",
        "fullName": "test_lookup#test_status_is_in_the_enum",
        "labels": [{"name": "suite", "value": "test_lookup"}, {"name": "framework", "value": "pytest"}],
        "titlePath": ["test_lookup.py"],
    }
    (results / "aaaa0000-0000-4000-8000-000000000001-result.json").write_text(json.dumps(failed))
    (results / "aaaa0000-0000-4000-8000-000000000002-result.json").write_text(json.dumps(passed))
    (results / "environment.properties").write_text(
        f"target=local\nkind=local\nbase_url={BASE_URL}\nprofile=ci\nseed=7\n"
        "channels=SMS,RCS,WHATSAPP\ncontracts=/srv/gatewatch/contracts\n"
    )
    return results


def write_suite(folder: Path, *, result: str = "failed", allure: bool = True) -> None:
    """The contract suite's files: summary.json, junit.xml and (by default) allure-results/."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(suite_summary(result=result), indent=2))
    (folder / "junit.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"/>\n'
    )
    if allure:
        write_allure_results(folder, failing=result == "failed")


# -- load ---------------------------------------------------------------------------------

KIND_NAMES = {
    "known": "/partner-gateway/v1/messages/status/[id] (known id)",
    "other_channel": "/partner-gateway/v1/messages/status/[id] (other channel)",
    "unknown": "/partner-gateway/v1/messages/status/[id] (unknown id)",
    "batch": "/partner-gateway/v1/messages/status (batch)",
}


def _latency(base: float) -> dict[str, float]:
    return {
        "min": round(base * 0.4, 3),
        "mean": round(base, 3),
        "max": round(base * 1.6, 3),
        "p50": round(base, 3),
        "p90": round(base * 1.46, 3),
        "p95": round(base * 1.51, 3),
        "p99": round(base * 1.56, 3),
        "p99.9": round(base * 1.59, 3),
    }


def load_summary(*, passed: bool = False) -> dict[str, Any]:
    """load/summary.json as gatewatch.loadtest.summary.build_summary writes it."""
    # (requests, failures, throttled) per kind
    counts = {
        "known": (3412, 98, 12),
        "other_channel": (520, 14, 2),
        "unknown": (471, 15, 1),
        "batch": (491, 20, 2),
    }
    kinds = {
        kind: {
            "name": KIND_NAMES[kind],
            "requests": n,
            "failures": f,
            "warmup_requests": n // 20,
            "throttled": t,
            "throttled_name": KIND_NAMES[kind] + " throttled",
            "latency_ms": _latency(51.3 + i),
        }
        for i, (kind, (n, f, t)) in enumerate(counts.items())
    }
    gate = {"status": "pass", "comparison": "<=", "unit": "ms"}
    return {
        "run_id": "",
        "passed": passed,
        "exit_code": 0 if passed else 1,
        "target": {"name": "base-url", "kind": "local", "base_url": "http://127.0.0.1:18081/api"},
        "model": "closed",
        "users": 20,
        "arrival_rate_rps": None,
        "workers": 1,
        "mix": "known=70,other_channel=10,unknown=10,batch=10",
        "validate_sample": 0.1,
        "warmup_s": 2.0,
        "precision": "HDR histogram, 3 significant digits, 1 us to 60 s: each percentile is at most 0.1% "
        "above the exact nearest-rank percentile, never below it",
        "gates": [
            {**gate, "gate": "latency known p95", "measured": 77.9, "limit": 200.0, "detail": "3412 samples"},
            {**gate, "gate": "latency known p99", "measured": 80.7, "limit": 500.0, "detail": "3412 samples"},
            {
                "gate": "failure ratio",
                "status": "pass" if passed else "fail",
                "measured": 0.0300,
                "limit": 0.01,
                "comparison": "<=",
                "unit": "ratio",
                "detail": "147 of 4894 measured requests failed",
            },
            {
                "gate": "dropped starts",
                "status": "skip",
                "measured": None,
                "limit": 0.01,
                "comparison": "<=",
                "unit": "ratio",
                "detail": "closed model: no arrival schedule",
            },
        ],
        "slo": {"source": "load/slo.yaml", "warmup_s": 2.0, "latency_ms": [], "max_failure_ratio": 0.01},
        "kinds": kinds,
        "all": {
            "requests": 4894,
            "failures": 147,
            "throttled": 17,
            "warmup_requests": 266,
            "latency_ms": _latency(51.41),
        },
        "throttled": {
            "requests": 17,
            "warmup_requests": 0,
            "ratio": 0.003462,
            "by_kind": {"known": 12, "other_channel": 2, "unknown": 1, "batch": 2},
        },
        "window_s": 37.5,
        "throughput_rps": 130.495,
        "open_model": {"scheduled": 0, "dropped": {}},
        "latencies_clamped": 0,
        "violations": {"sent_id_found": {"count": 106, "examples": ["[sent_id_found (documented)] ..."]}},
        "cross_check": {"recorded_requests": 5160, "locust_requests": 5160, "locust_failures": 155},
        "setup_error": None,
    }


HISTORY_HEADER = (
    "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,"
    "Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,"
    "Total Min Response Time,Total Max Response Time,Total Average Content Size"
)
HISTORY_ROWS = 12  # one N/A row, then this many minus one with numbers


def write_load(folder: Path, *, passed: bool = False) -> None:
    """load/: summary.json, Locust's stats history and failure table, and a stand-in locust.html."""
    load = folder / "load"
    load.mkdir(parents=True, exist_ok=True)
    (load / "summary.json").write_text(json.dumps(load_summary(passed=passed), indent=2))
    rows = [HISTORY_HEADER, "1796115918,0,,Aggregated,0.000000,0.000000" + ",N/A" * 11 + ",0,0,0,0.0,0,0,0"]
    for i in range(1, HISTORY_ROWS):
        p50, p95, p99 = 50 + i % 3, 78 + i % 2, 80 + i % 4
        rows.append(
            f"{1796115918 + i},20,,Aggregated,{min(130.0, 45.0 * i):.6f},{min(3.6, 1.0 * i):.6f},"
            f"{p50},60,66,70,76,{p95},80,{p99},87,87,87,{130 * i},{4 * i},{p50},51.4,20.3,86.6,330.0"
        )
    # Locust writes per-name rows too with --csv-full-history; they must not leak into the chart.
    rows.append(
        "1796115929,20,GET,/partner-gateway/v1/messages/status (batch),9.0,0.0"
        + ",1" * 11
        + ",9,0,1,0.8,0.4,1.3,1550"
    )
    (load / "locust_stats_history.csv").write_text("\n".join(rows) + "\n")
    (load / "locust_failures.csv").write_text(
        "Method,Name,Error,Occurrences,First Seen,Last Seen\n"
        "GET,/partner-gateway/v1/messages/status/[id] (known id),\"CatchResponseError('[sent_id_found "
        "(documented)] a sent id on its channel: expected 200, got 500')\",104,2026-12-01T09:05:18Z,"
        "2026-12-01T09:05:57Z\n"
        "GET,/partner-gateway/v1/messages/status (batch),CatchResponseError('[server_error_retried "
        "(documented)] 500 repeated on 0 retries: the error is not transient'),2,2026-12-01T09:05:31Z,"
        "2026-12-01T09:05:35Z\n"
    )
    (load / "locust.html").write_text("<!DOCTYPE html><title>Locust</title>\n")


# -- probe --------------------------------------------------------------------------------


def probe_run(
    channel: str,
    started: str,
    outcome: str,
    statuses: Sequence[tuple[str, float, float]],
    *,
    final: str | None,
    reason: str | None = None,
    run_id: str = "e334740822844232",
    webhooks: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A `run` record as gatewatch.probe.history.run_record writes it (`webhooks` only with a receiver)."""
    record = {
        "type": "run",
        "v": 1,
        "run_id": run_id,
        "target": "local",
        "channel": channel,
        "to": "***0001",
        "started_at": started,
        "ended_at": started,
        "sent_at": started,
        "duration_s": 9.5995,
        "deadline_s": 30.0,
        "message_id": "GW-a7c6d86ee515457bbc0dcd66840642bc",
        "outcome": outcome,
        "exit_code": 0 if outcome == "delivered" else 1,
        "reason": reason,
        "final_status": final,
        "last_status": statuses[-1][0],
        "pending": final is None,
        "statuses": [{"status": s, "at_s": at, "bound_s": b, "server_placed": True} for s, at, b in statuses],
        "lookups": 11,
        "requests": 12,
        "server_errors": 0,
        "transport_errors": 0,
        "throttled": 0,
        "throttled_wait_s": 0.0,
        "violations": [],
    }
    if webhooks is not None:
        record["webhooks"] = webhooks
    return record


DELIVERED_PATH = (("SENT", 0.0, 0.118), ("RECEIVED", 2.0, 0.5), ("DELIVERED", 4.0, 1.96))


def probe_records(*, all_delivered: bool = False) -> list[dict[str, Any]]:
    """A history: SMS delivered twice then (unless all_delivered) errors; RCS delivered, then stuck."""
    sent = {
        "type": "sent",
        "v": 1,
        "run_id": "e334740822844232",
        "target": "local",
        "channel": "SMS",
        "message_id": "GW-de8c0a8d2a474e3aa14ef56ed7ec827b",
        "sent_at": "2026-12-01T09:06:19.342Z",
    }
    records = [
        sent,
        probe_run(
            "SMS", "2026-12-01T09:06:42.000Z", "delivered", DELIVERED_PATH, final="DELIVERED", run_id="a1"
        ),
        probe_run(
            "RCS", "2026-12-01T09:06:43.000Z", "delivered", DELIVERED_PATH, final="DELIVERED", run_id="a2"
        ),
        probe_run(
            "SMS", "2026-12-01T09:07:16.000Z", "delivered", DELIVERED_PATH, final="DELIVERED", run_id="a3"
        ),
    ]
    if all_delivered:
        return records
    records += [
        probe_run(
            "SMS",
            "2026-12-01T09:07:31.244Z",
            "error",
            (("SENT", 0.0, 0.118), ("ERROR", 2.0, 0.8558)),
            final="ERROR",
            reason="Carrier rejected the message",
            run_id="a4",
        ),
        probe_run(
            "RCS",
            "2026-12-01T09:07:37.231Z",
            "stuck",
            (("UNKNOWN", 0.0, 0.0799),),
            final=None,
            reason="still UNKNOWN at the 8 s deadline",
            run_id="a5",
        ),
        probe_run(
            "RCS", "2026-12-01T09:07:50.000Z", "interrupted", (("SENT", 0.0, 0.1),), final=None, run_id="a6"
        ),
        {
            "type": "late",
            "v": 1,
            "run_id": "a5",
            "target": "local",
            "channel": "RCS",
            "message_id": "GW-9f2f4e83f0704753a0eddee79ff620aa",
            "checked_at": "2026-12-01T09:12:37.000Z",
            "status": "EXPIRED",
            "outcome": "expired",
            "reason": None,
            "final": True,
            "timing": None,
            "throttled": 0,
            "violations": [],
        },
    ]
    return records


def write_probe(
    folder: Path, *, all_delivered: bool = False, records: Sequence[dict[str, Any]] | None = None
) -> Path:
    """probe/history.jsonl, one compact JSON object per line as the probe appends them."""
    probe = folder / "probe"
    probe.mkdir(parents=True, exist_ok=True)
    path = probe / "history.jsonl"
    written = probe_records(all_delivered=all_delivered) if records is None else records
    lines = [json.dumps(r, separators=(",", ":")) for r in written]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """A reports folder where every part ran and each failed something."""
    folder = tmp_path / "reports"
    write_suite(folder)
    write_load(folder)
    write_probe(folder)
    return folder


# -- external tools -------------------------------------------------------------------------


def require_tool(name: str, how: str) -> str:
    """The path of `name`; in CI (CI set) a missing tool fails the test, locally it skips."""
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed ({how})"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must install it")
    pytest.skip(message)


def run_bounded(
    argv: Sequence[str], *, timeout_s: float, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a tool with a deadline; past it, kill the process group it leads (by its pid) and fail."""
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)
        pytest.fail(f"{argv[0]} did not finish in {timeout_s:g} s; killed pid {proc.pid}")
    return subprocess.CompletedProcess(list(argv), proc.returncode, out, err)


@pytest.fixture
def no_tools_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """PATH set to an empty folder: no allure, no chromium."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    yield empty
