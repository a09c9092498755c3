"""Runs: once (cron, a Kubernetes CronJob) or every N seconds with jitter, until stopped.

A cycle re-checks the messages earlier runs left pending, probes every channel (in
parallel, one client each), records each run the moment it ends (history, metrics, the
stdout line) and exports the metrics. With confirmation on, a channel's failed run is
followed at once by exactly one more (see `Probe._run_one`). A run that starts inside a
maintenance window carries the window's reason: its outcome and exit code are unchanged
(whoever runs it by hand during the window wants the truth); the `maintenance` gauge is
what alert rules read to stay silent. SIGTERM or SIGINT stops the clock: the waits in
flight return at once, the runs in flight are recorded as far as they got (interrupted,
their messages pending for the next process), and the loop ends after exporting. A
second signal gets the default behaviour, so a stuck process can still be killed.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType

from gatewatch.contract import Contract
from gatewatch.core.errors import ExitCode
from gatewatch.core.options.probe import DEFAULT_JITTER, DEFAULT_JOB
from gatewatch.probe.clock import SystemClock
from gatewatch.probe.engine import Confirmation, ProbeClient, RunResult, not_sent, run_channel
from gatewatch.probe.history import History
from gatewatch.probe.late import recheck
from gatewatch.probe.metrics import ProbeMetrics, push, write_textfile
from gatewatch.probe.outcomes import Outcome, combined_exit_code
from gatewatch.probe.run_line import late_line, run_line
from gatewatch.probe.settings import ChannelPlan, ProbeSettings
from gatewatch.probe.webhooks import Follower

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class LoopOptions:
    """Once, or every `every_s` seconds (± `jitter` of it), for at most `max_runs` cycles."""

    every_s: float | None = None
    jitter: float = DEFAULT_JITTER
    max_runs: int | None = None

    @property
    def once(self) -> bool:
        """True for a single cycle."""
        return self.every_s is None


@dataclass(frozen=True, slots=True, kw_only=True)
class Exports:
    """Where metrics go after each cycle."""

    textfile: Path | None = None
    pushgateway: str | None = None
    job: str = DEFAULT_JOB
    grouping_key: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class CycleReport:
    """What one cycle did, for callers that watch the loop (benchmarks, tests)."""

    index: int
    results: tuple[RunResult, ...]
    exit_code: ExitCode


class Probe:
    """The probe: channels to run, where to record and export, and the clock it waits on."""

    def __init__(
        self,
        *,
        contract: Contract,
        target: str,
        clients: Mapping[str, ProbeClient],
        settings: ProbeSettings,
        history: History,
        metrics: ProbeMetrics,
        clock: SystemClock,
        out: Callable[[str], None],
        exports: Exports | None = None,
        on_cycle: Callable[[CycleReport], None] | None = None,
        rng: random.Random | None = None,
        follower: Follower | None = None,
    ) -> None:
        self.contract = contract
        self.target = target
        self.clients = clients
        self.settings = settings
        self.history = history
        self.metrics = metrics
        self.clock = clock
        self.exports = exports or Exports()
        self.on_cycle = on_cycle
        self.follower = follower
        self._out = out
        self._out_lock = threading.Lock()
        self._rng = rng or random.Random()

    # -- one cycle ----------------------------------------------------------------------

    def cycle(self, executor: ThreadPoolExecutor | None = None) -> tuple[RunResult, ...]:
        """Re-check pending messages, probe every channel, export; the runs' results."""
        began = self.clock.monotonic()
        self.recheck_pending()
        plans = self.settings.plans
        if executor is None or len(plans) == 1:
            results = tuple(r for r in (self._run_one(p) for p in plans) if r is not None)
        else:
            futures = [executor.submit(self._run_one, p) for p in plans]
            results = tuple(r for r in (f.result() for f in futures) if r is not None)
        self.metrics.set_pending(len(self.history.pending()))
        if self.follower is not None:
            self.follower.forget(began)  # this cycle's runs are judged; earlier webhooks are no one's
        self.export()
        return results

    def recheck_pending(self) -> None:
        """Look up once each message earlier runs left pending; give up on the too old."""
        now = self.clock.time()
        for pending in self.history.expired(now):
            self.history.record_abandoned(pending, f"not final after {self.settings.pending_max_age_s:g} s")
        fallback = next(iter(self.clients.values()))
        for pending in self.history.pending():  # bounded by max_pending
            if self.clock.stopping:
                return
            client = self.clients.get(pending.channel, fallback)
            check = recheck(client, self.contract, pending, self.clock)
            self.history.record_late(check)
            self.metrics.observe_late(check)
            if check.outcome is not None or check.violations:
                self._print(late_line(check))

    def _run_one(self, plan: ChannelPlan) -> RunResult | None:
        """One channel's run, and its confirming probe when it failed and confirmation is on.

        With confirmation, a confirmable failure is followed at once by exactly one more
        message; the run's outcome is the second one's, and the first is recorded beside it
        (history and stdout) but counted only as an unconfirmed failure, when it was one.
        """
        if self.clock.stopping:
            return None  # asked to stop before this run began: send nothing
        window = self.settings.maintenance_at(self.clock.time(), plan.channel)
        first = self._probe(plan, window.reason if window else None)
        if first is None or not (self.settings.confirm_failures and first.outcome.confirmable):
            return self._record(first)
        second = None if self.clock.stopping else self._probe(plan, first.maintenance)
        if second is None or second.outcome is Outcome.INTERRUPTED:
            # No confirmation could be made: the first failure counts as it is.
            self._record(first)
            self._record(second)
            return first
        self._record(replace(first, awaiting_confirmation=True))
        confirmation = Confirmation(
            run_id=first.run_id,
            message_id=first.message_id,
            outcome=first.outcome,
            reason=first.reason,
            confirmed=not second.outcome.ok,
        )
        return self._record(replace(second, confirmation=confirmation))

    def _probe(self, plan: ChannelPlan, maintenance: str | None) -> RunResult | None:
        """One message on `plan`'s channel; None when the probe itself failed (logged, counted)."""
        try:
            result = run_channel(
                self.clients[plan.channel],
                self.contract,
                plan,
                self.settings,
                clock=self.clock,
                target=self.target,
                on_sent=self.history.record_sent,
                follower=self.follower,
            )
        except Exception:  # a bug in one run must not end a canary that runs for months
            log.exception("the %s run failed unexpectedly", plan.channel)
            self.metrics.internal_error(plan.channel)
            return None
        return replace(result, maintenance=maintenance)

    def _record(self, result: RunResult | None) -> RunResult | None:
        """History, metrics and the stdout line for one run (nothing for None)."""
        if result is not None:
            self.history.record_run(result)
            self.metrics.observe_run(result)
            self._print(run_line(result))
        return result

    def refuse(self, outcome: Outcome, reason: str) -> ExitCode:
        """Record a run that sent nothing on every channel (the preflight's verdict); its exit code.

        Recorded like any run (history, metrics, the stdout line, the exports), so a canary
        that is refused shows it on the dashboards, not only in its own log.
        """
        results = []
        now = self.clock.time()
        for plan in self.settings.plans:
            result = not_sent(plan, target=self.target, outcome=outcome, reason=reason, clock=self.clock)
            window = self.settings.maintenance_at(now, plan.channel)
            result = replace(result, maintenance=window.reason if window else None)
            self._record(result)
            results.append(result)
        self.export()
        code = combined_exit_code(r.outcome for r in results)
        if self.on_cycle is not None:
            self.on_cycle(CycleReport(0, tuple(results), code))
        return code

    def export(self) -> None:
        """Write the textfile and push, as configured; failures are logged and counted."""
        exports = self.exports
        if exports.textfile is not None:
            write_textfile(self.metrics, exports.textfile)
        if exports.pushgateway is not None:
            push(self.metrics, exports.pushgateway, job=exports.job, grouping_key=exports.grouping_key)

    def _print(self, line: str) -> None:
        with self._out_lock:
            self._out(line)

    # -- the loop -----------------------------------------------------------------------

    def run(self, options: LoopOptions) -> ExitCode:
        """Run once or loop; the exit code of the last cycle (0 when a loop was stopped)."""
        workers = max(1, len(self.settings.plans))
        last = ExitCode.OK
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="probe") as executor:
            index = 0
            while True:  # bounded by max_runs, or by a stop request in a long-running loop
                started = self.clock.monotonic()
                results = self.cycle(executor)
                expected = len(self.settings.plans)
                outcomes = [r.outcome for r in results]
                last = combined_exit_code(outcomes)
                if len(results) < expected:
                    last = ExitCode.TARGET_FAILED  # a run failed unexpectedly
                if self.on_cycle is not None:
                    self.on_cycle(CycleReport(index, results, last))
                index += 1
                if options.once:
                    return last
                if self.clock.stopping:
                    return ExitCode.OK  # a service asked to stop has done its job
                if options.max_runs is not None and index >= options.max_runs:
                    return last
                assert options.every_s is not None
                spread = options.every_s * options.jitter
                due = started + options.every_s + self._rng.uniform(-spread, spread)
                if self.clock.wait(max(0.0, due - self.clock.monotonic())):
                    return ExitCode.OK


@contextmanager
def stop_on_signals(clock: SystemClock) -> Iterator[None]:
    """While the block runs, SIGTERM and SIGINT stop `clock` (main thread only; else a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.getsignal(sig) for sig in signals}

    def handle(signum: int, frame: FrameType | None) -> None:
        log.warning("signal %d: stopping after recording the runs in flight", signum)
        clock.stop()
        for sig in signals:  # a second signal ends the process the usual way
            signal.signal(sig, signal.SIG_DFL)

    for sig in signals:
        signal.signal(sig, handle)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
