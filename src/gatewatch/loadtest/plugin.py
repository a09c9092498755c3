"""The Locust plugin: options, setup phase, recording, merging and the gates, on Locust's events.

Which process does what::

    standalone      setup, load, record, evaluate the gates, write reports, exit code
    master          read the gates, hand run parameters to the workers (Locust's spawn
                    message carries the options), merge the workers' records, evaluate,
                    write reports, exit code
    worker          setup, load, record; ship a delta of its records with every Locust
                    report (report_to_master), the final one included

The exit code is the gates' verdict: 0 all passed, 1 one failed; 2 a configuration error,
3 the target unreachable during setup. Locust's own rule (1 on any failed request) never
applies: the failure-ratio gate decides.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import gevent
import locust
from locust.runners import STATE_STOPPED, STATE_STOPPING, MasterRunner, WorkerRunner

from gatewatch.contract import resolve_contract
from gatewatch.core import progress_feed
from gatewatch.core.errors import ExitCode, GatewatchError
from gatewatch.core.opening import run_keys
from gatewatch.loadtest.gates import evaluate, load_slo, passed
from gatewatch.loadtest.ramp import RampPlan, ramp_plan
from gatewatch.loadtest.safety import load_run
from gatewatch.loadtest.settings import OPTIONS, LoadSettings
from gatewatch.loadtest.setup import auth_headers, prepare_known_ids
from gatewatch.loadtest.state import ProcessState, current_state, set_state
from gatewatch.loadtest.summary import (
    CLOSED_MODEL,
    OPEN_MODEL,
    RunInfo,
    build_summary,
    render_table,
    write_histograms,
    write_summary,
)
from gatewatch.loadtest.users import CONTEXT_INTENDED, CONTEXT_KIND, CONTEXT_THROTTLED

log = logging.getLogger("gatewatch.load")
DATA_KEY = "gatewatch"
PROGRESS_EVERY_S = 2.0


class _Process:
    """Per-process facts the listeners share (a holder, so no module global is rebound)."""

    installed = False
    environment: Any = None  # Locust's Environment, set by the init event


def install(events: Any = None) -> None:
    """Register the listeners on Locust's events (once per process, however often imported)."""
    if _Process.installed:
        return
    _Process.installed = True
    events = events or locust.events
    events.init_command_line_parser.add_listener(_add_options)
    events.init.add_listener(_on_init)
    events.test_start.add_listener(_on_test_start)
    events.request.add_listener(_on_request)
    events.report_to_master.add_listener(_on_report_to_master)
    events.worker_report.add_listener(_on_worker_report)
    events.quitting.add_listener(_on_quitting)
    events.quit.add_listener(_on_quit)


def _add_options(parser: Any, **_: Any) -> None:
    for option in OPTIONS:
        parser.add_argument(option.flag, **option.argument())


def _fatal(exc: GatewatchError) -> None:
    # SystemExit passes through Locust's event dispatch, so the process ends with our code
    # and a one-line message instead of a traceback.
    sys.stderr.write(f"gatewatch: {exc}\n")
    sys.stderr.flush()
    sys.exit(int(exc.exit_code))


def _state() -> ProcessState:
    state = current_state()
    if state is None:
        raise RuntimeError("gatewatch load state used before Locust's init event")
    return state


# -- init: options, gates and target, checked before anything is sent ----------------------


def _ramp(state: ProcessState) -> RampPlan | None:
    if not state.settings.ramp:
        return None
    assert state.target is not None
    return ramp_plan(state.target.rate_limit)


def _on_init(environment: Any, runner: Any = None, **_: Any) -> None:
    _Process.environment = environment
    try:
        options = environment.parsed_options
        settings = LoadSettings.from_namespace(options)
        if isinstance(runner, WorkerRunner):
            # A worker's options and host come with the master's spawn message; until then
            # it holds the contract its own options name.
            contract = resolve_contract(settings.options.target.contracts)
            set_state(ProcessState(settings=settings, contract=contract))
            return
        run = load_run(settings.options, environment.host)
        state = ProcessState(settings=settings, contract=run.contract, target=run.target)
        set_state(state)
        state.slo = load_slo(settings.slo_file)
        if settings.options.warmup_s is None:
            # Set on the options so the spawn message carries it to the workers.
            options.gatewatch_warmup_s = state.slo.warmup_s
        _ramp(state)  # a ramp with no limit to ramp past is refused before anything is sent
    except GatewatchError as exc:
        _fatal(exc)


# -- test start: the rate split (master) and the setup phase (where users run) --------------


def _on_test_start(environment: Any, **_: Any) -> None:
    state = _state()
    runner = environment.runner
    options = environment.parsed_options
    if not isinstance(runner, WorkerRunner):
        _split_rate(state, runner, options)
        gevent.spawn(_report_progress, runner, state)
    if isinstance(runner, MasterRunner):
        return
    try:
        if isinstance(runner, WorkerRunner):
            _take_the_masters_options(state, options, environment.host)
        _set_up(state, options)
    except GatewatchError as exc:
        log.error("gatewatch: the load setup failed: %s", exc)
        state.recorder.setup_error = {"message": str(exc), "exit_code": int(exc.exit_code)}
        if not isinstance(runner, WorkerRunner):
            gevent.spawn(runner.quit)


def _split_rate(state: ProcessState, runner: Any, options: Any) -> None:
    """Each user dispatches an equal share of the arrival rate (the spawn message carries it).

    A ramp's share is of the per-second limit, scaled by the ramp; it ends with the run.
    """
    users = max(1, int(runner.target_user_count or 1))
    ramp = _ramp(state)
    rate = ramp.per_second if ramp is not None else state.settings.options.arrival_rate
    options.gatewatch_rate_per_user = rate / users
    if ramp is not None:
        options.gatewatch_ramp_end = time.time() + float(options.run_time or 0)


def _take_the_masters_options(state: ProcessState, options: Any, host: str | None) -> None:
    """A worker's run: the options, target and contract the master sent, resolved once here."""
    state.settings = LoadSettings.from_namespace(options)
    run = load_run(state.settings.options, host)
    if run.contract is not state.contract:
        state.use_contract(run.contract)
    state.target = run.target


def _set_up(state: ProcessState, options: Any) -> None:
    """The setup phase where users run: their rate, the known ids sent, the key's headers ready."""
    state.rate_per_user = float(getattr(options, "gatewatch_rate_per_user", 0.0))
    ramp_end = getattr(options, "gatewatch_ramp_end", None)
    state.ramp_end = float(ramp_end) if ramp_end is not None else None
    target = state.target
    assert target is not None
    key = run_keys(target).primary
    state.known = prepare_known_ids(target, key, state.contract, state.settings.options.known_ids)
    state.auth_headers = auth_headers(target, state.contract, key)
    state.secrets = (key,)
    warmup = float(getattr(options, "gatewatch_warmup_s", None) or 0.0)
    state.recorder.measure_from = time.time() + warmup
    log.info(
        "gatewatch: %d known ids on %s; gates measured from %.0f s on",
        len(state.known.messages),
        ", ".join(sorted(state.known.by_channel)),
        warmup,
    )


def _report_progress(runner: Any, state: ProcessState) -> None:
    """Locust's totals to `gatewatch run`'s live view, every few seconds until the run stops."""
    while runner.state not in (STATE_STOPPED, STATE_STOPPING):  # ends with the run (and the process)
        total = runner.stats.total
        throttled = sum(c.throttled + c.warmup_throttled for c in state.recorder.counts.values())
        progress_feed.load(
            requests=total.num_requests,
            rate=total.current_rps,
            failures=total.num_failures,
            throttled=throttled,
        )
        gevent.sleep(PROGRESS_EVERY_S)


# -- recording and merging ------------------------------------------------------------------


def _on_request(
    response_time: float,
    exception: BaseException | None,
    context: dict[str, Any] | None = None,
    start_time: float | None = None,
    **_: Any,
) -> None:
    key = context.get(CONTEXT_KIND) if context else None
    if key is None:
        return  # not one of ours
    assert context is not None
    started = start_time or time.time()
    service_ms = float(response_time)
    intended = context.get(CONTEXT_INTENDED)
    # From the intended start: the wait for a slot or for a busy process counts too.
    latency_ms = service_ms + max(0.0, started - intended) * 1000 if intended is not None else service_ms
    throttled = bool(context.get(CONTEXT_THROTTLED))
    _state().recorder.record(
        key, latency_ms, exception is not None, started, throttled=throttled, service_ms=service_ms
    )


def _on_report_to_master(data: dict[str, Any], **_: Any) -> None:
    data[DATA_KEY] = _state().recorder.delta()


def _on_worker_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
    delta = data.get(DATA_KEY)
    if not delta:
        return
    state = _state()
    state.workers_seen.add(client_id)
    had_error = state.recorder.setup_error is not None
    state.recorder.merge(delta)
    if not had_error and state.recorder.setup_error is not None:
        log.error(
            "gatewatch: worker %s could not set up: %s",
            client_id,
            state.recorder.setup_error["message"],  # own-name: the recorder's setup error
        )
        # A worker without ids cannot make the run's load: stop the run, exit with its code.
        if _Process.environment is not None:
            gevent.spawn(_Process.environment.runner.quit)


# -- the verdict ----------------------------------------------------------------------------


def _on_quitting(environment: Any, **_: Any) -> None:
    state = _state()
    runner = environment.runner
    error = state.recorder.setup_error
    if isinstance(runner, WorkerRunner):
        environment.process_exit_code = int(error["exit_code"]) if error else 0
        return
    assert state.slo is not None and state.target is not None
    settings = state.settings
    active = settings.mix.active
    ramp = _ramp(state)
    results = (
        []
        if error
        else evaluate(state.slo, state.recorder, active=active, open_model=settings.open_model, ramp=ramp)
    )
    code = int(error["exit_code"]) if error else (ExitCode.OK if passed(results) else ExitCode.TARGET_FAILED)
    total = runner.stats.total
    info = RunInfo(
        run_id=settings.options.run_id,
        target_name=state.target.name,
        target_kind=state.target.kind,
        base_url=state.target.base_url or "",
        model=OPEN_MODEL if settings.open_model else CLOSED_MODEL,
        users=environment.parsed_options.num_users,
        arrival_rate=settings.options.arrival_rate,
        workers=len(state.workers_seen) if isinstance(runner, MasterRunner) else 1,
        mix=settings.mix.as_text(),
        validate_sample=settings.validate_sample,
        locust_requests=int(total.num_requests),
        locust_failures=int(total.num_failures),
    )
    summary = build_summary(
        info=info,
        slo=state.slo,
        results=results,
        recorder=state.recorder,
        contract=state.contract,
        active=active,
        exit_code=int(code),
        ramp=ramp,
    )
    path = write_summary(summary, settings.options.load_dir)
    write_histograms(state.recorder.histograms, settings.options.load_dir, state.recorder.service)
    table = (
        f"RESULT: ERROR (setup failed: {error['message']})"  # own-name: the recorder's setup error
        if error
        else render_table(results, state.slo, state.recorder)
    )
    state.table = f"{table}\nsummary: {path}"
    environment.process_exit_code = int(code)


def _on_quit(**_: Any) -> None:
    state = current_state()
    if state is not None and state.table:
        # After Locust's own statistics, so the verdict is the last thing on the console.
        print(state.table, flush=True)
