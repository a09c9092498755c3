"""The load test's locustfile plus an observer: each worker keeps what it ships to the master.

Every Locust report a worker sends (the final one included) carries the HDR histograms it
recorded since the last one; this appends them, one JSON line per report, to the file
named by $GATEWATCH_TEST_SHIPPED, so a test can add them up and compare with the
master's merged histograms.
"""

from __future__ import annotations

import json
import os
from typing import Any

from locust import events

from gatewatch.loadtest.locustfile import GatewayUser  # installs the plugin's listeners first
from gatewatch.loadtest.plugin import DATA_KEY

__all__ = ["GatewayUser"]
SHIPPED = os.environ.get("GATEWATCH_TEST_SHIPPED", "")


@events.report_to_master.add_listener
def _keep_what_is_shipped(data: dict[str, Any], **_: Any) -> None:
    shipped = data.get(DATA_KEY)
    if not SHIPPED or not shipped:
        return
    line = {"histograms": shipped["histograms"], "service_histograms": shipped["service_histograms"]}
    with open(SHIPPED, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
