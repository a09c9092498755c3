"""The Allure attachments of a suite run stop at a budget, with one step saying so."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gatewatch.core.exchange import Exchange, RecordedRequest, RecordedResponse
from gatewatch.suite import allure_glue
from gatewatch.suite.allure_glue import AllureRecorder


def _exchange(size: int) -> Exchange:
    body = json.dumps({"padding": "p" * size}).encode()
    answer = RecordedResponse.capture(200, [("Content-Type", "application/json")], body, 0.01, [])
    return Exchange("lookup", RecordedRequest("GET", "http://h/api/m", ()), answer)


def test_attachments_stop_at_the_runs_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    attached: list[int] = []
    steps: list[str] = []

    def attach(body: str, **_: Any) -> None:
        attached.append(len(body.encode()))

    real_step = allure_glue.allure.step

    def step(title: str) -> Any:
        steps.append(title)
        return real_step(title)

    monkeypatch.setattr(allure_glue.allure, "attach", attach)
    monkeypatch.setattr(allure_glue.allure, "step", step)
    recorder = AllureRecorder(budget_bytes=300_000)
    for _ in range(20):
        recorder.calls_in_test = 0  # a new test each time: every call gets its step
        recorder.on_verify(_exchange(2 * 1024 * 1024), [], ["rule"])
    assert 0 < sum(attached) <= 300_000
    # Each 2 MB answer attaches at most its kept 64 KiB (and a curl line).
    assert max(attached) < 70_000
    assert len([s for s in steps if s.startswith("attachments stopped")]) == 1
