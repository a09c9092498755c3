"""The synthetic probe: send a real message, follow it to its final status, export what it saw.

Layers, imports pointing down only::

    service    puts it together: target, keys, simulator, preflight, clients (one pacer), the loop
    loop       once or every N s with jitter; SIGTERM records the runs in flight
    report     the stdout line        metrics   Prometheus registry and exporters
    history    JSON lines, pending messages      late      re-checks of pending messages
    engine     one run: send, wait, poll, check, classify
    polling    the backoff schedule   timing    brackets and estimates   outcomes, settings, clock
"""

from __future__ import annotations

from gatewatch.core.durations import parse_duration
from gatewatch.probe.clock import Clock, SystemClock
from gatewatch.probe.engine import ProbeClient, RunResult, SentMessage, run_channel
from gatewatch.probe.history import History
from gatewatch.probe.late import LateCheck, PendingMessage, recheck
from gatewatch.probe.loop import CycleReport, Exports, LoopOptions, Probe
from gatewatch.probe.metrics import ProbeMetrics
from gatewatch.probe.outcomes import Outcome
from gatewatch.probe.polling import Backoff, schedule
from gatewatch.probe.service import ServiceConfig, run_service
from gatewatch.probe.settings import ChannelPlan, ProbeSettings
from gatewatch.probe.timing import StatusTiming, Timeline

__all__ = [
    "Backoff",
    "ChannelPlan",
    "Clock",
    "CycleReport",
    "Exports",
    "History",
    "LateCheck",
    "LoopOptions",
    "Outcome",
    "PendingMessage",
    "Probe",
    "ProbeClient",
    "ProbeMetrics",
    "ProbeSettings",
    "RunResult",
    "SentMessage",
    "ServiceConfig",
    "StatusTiming",
    "SystemClock",
    "Timeline",
    "parse_duration",
    "recheck",
    "run_channel",
    "run_service",
    "schedule",
]
