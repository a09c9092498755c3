"""The Locust users: look statuses up the way clients do, and judge every answer.

`GatewayUser` is a FastHttpUser. In the closed model (default) each user makes one request
of a kind picked by the mix, pauses (think time), and repeats. In the open model
(``--gatewatch-arrival-rate``) each user is a dispatcher that starts its share of the rate
on a fixed schedule (see arrival.py), up to ``--gatewatch-max-in-flight`` at once.

Every answer's status code is checked with the contract suite's expectation for its kind;
a sample (``--gatewatch-validate-sample``) also goes through every contract check. A
violation marks the request failed in Locust's statistics, under its rule.

A 429 is not waited out (that would stretch every latency behind it): it is recorded as
its kind's throttled row (``... (known id, throttled)``), neither failed nor judged, and
the user goes on. Names, parameters and codes all come from the contract.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Any
from urllib.parse import quote, urlencode

import gevent
from gevent.pool import Pool
from locust import FastHttpUser, task
from locust.exception import StopUser

from gatewatch.checks import Violation, run_checks
from gatewatch.core.bounds import clip
from gatewatch.core.exchange import Exchange, RecordedRequest, RecordedResponse
from gatewatch.core.secrets import REDACTED, redact
from gatewatch.loadtest.arrival import ArrivalSchedule, dispatch
from gatewatch.loadtest.kinds import BATCH, KNOWN, OTHER_CHANNEL, UNKNOWN, kind
from gatewatch.loadtest.ramp import ramp_plan
from gatewatch.loadtest.state import ProcessState, current_state

log = logging.getLogger(__name__)

CONTEXT_KIND = "gatewatch_kind"
# Open model: when the schedule meant the request to start (epoch s); latency counts from it.
CONTEXT_INTENDED = "gatewatch_intended_at"
CONTEXT_THROTTLED = "gatewatch_throttled"
UNKNOWN_IDS_PER_BATCH = 2
FAILURE_TEXT_MAX = 240
ALL_STATUS_CODES = frozenset(range(100, 600))


def _query(params: Mapping[str, str]) -> str:
    # Encoded as GatewayClient encodes it, so load and contract suite send the same URLs.
    return urlencode(params, quote_via=quote, safe="")


@dataclass(frozen=True, slots=True)
class Planned:
    """One request about to be made: its path (query included) and what the checks need."""

    path: str
    params: dict[str, str]
    message_id: str | None
    channel: str
    ids: tuple[str, ...] = ()


class Lookups:
    """Makes one request of a kind with a user's FastHttpSession and judges the answer."""

    def __init__(self, client: Any, state: ProcessState, rng: random.Random) -> None:
        if state.known is None or state.target is None:
            raise RuntimeError("lookups need the setup phase's ids")
        self.client = client
        self.state = state
        self.rng = rng
        self.contract = state.contract
        self.base_url = state.target.base_url or ""
        self.by_channel = {c: m for c, m in state.known.by_channel.items() if m}
        self.channels = state.target.channels
        self.kinds = state.settings.mix.active
        self.cum_weights = list(accumulate(state.settings.mix.weights[k] for k in self.kinds))
        self.recorded_headers = tuple((name, REDACTED) for name in state.auth_headers)
        limit = state.target.rate_limit
        # The rate-limit headers are judged on sampled answers only when a limit is known.
        self.rate_limit = None if limit.unlimited else str(limit)
        self.id_template = "{" + self.contract.id_param + "}"
        other = {
            c: next((o for o in (*self.channels, *self.contract.channels) if o != c), c)
            for c in self.contract.channels
        }
        # Paths of the known ids are built once: the per-request cost is what limits a worker.
        self.known = [self._single(m.id, m.channel) for m in state.known.messages]
        self.other_channel = [self._single(m.id, other[m.channel]) for m in state.known.messages]

    def pick(self) -> str:
        """A kind drawn by the mix's weights."""
        return self.rng.choices(self.kinds, cum_weights=self.cum_weights)[0]

    def _unknown_id(self) -> str:
        return f"gatewatch-unknown-{self.rng.getrandbits(64):016x}"

    def _single(self, message_id: str, channel: str) -> Planned:
        params = {self.contract.channel_param: channel}
        path = self.contract.lookup_path.replace(self.id_template, quote(message_id, safe=""))
        return Planned(f"{path}?{_query(params)}", params, message_id, channel)

    def _batch(self) -> Planned:
        channel = self.rng.choice(list(self.by_channel))
        pool = self.by_channel[channel]
        size = self.state.settings.batch_size
        known = [m.id for m in self.rng.sample(pool, min(max(1, size - UNKNOWN_IDS_PER_BATCH), len(pool)))]
        extra = min(UNKNOWN_IDS_PER_BATCH, max(0, size - len(known)))
        ids = (*known, *(self._unknown_id() for _ in range(extra)))
        batch = self.contract.batch
        params = {self.contract.channel_param: channel, batch.ids_param: batch.separator.join(ids)}
        return Planned(f"{self.contract.batch_path}?{_query(params)}", params, None, channel, ids)

    def plan(self, key: str) -> Planned:
        """The next request of kind `key`."""
        if key == KNOWN:
            return self.rng.choice(self.known)
        if key == OTHER_CHANNEL:
            return self.rng.choice(self.other_channel)
        if key == UNKNOWN:
            return self._single(self._unknown_id(), self.rng.choice(self.channels))
        if key == BATCH:
            return self._batch()
        raise ValueError(f"unknown request kind {key!r}")

    def make(self, key: str, intended_at: float | None = None) -> None:
        """Send one request of kind `key`; `intended_at`: when the open model's schedule meant it to start."""
        planned = self.plan(key)
        context: dict[str, Any] = {CONTEXT_KIND: key}
        if intended_at is not None:
            context[CONTEXT_INTENDED] = intended_at
        with self.client.get(
            planned.path,
            name=self.state.names[key],
            headers=self.state.auth_headers,
            catch_response=True,
            context=context,
        ) as response:
            self._judge(key, response, planned)

    def _judge(self, key: str, response: Any, planned: Planned) -> None:
        status = int(response.status_code or 0)
        if status == 0:
            error = clip(redact(str(response.error), self.state.secrets))
            response.failure(f"no answer: {type(response.error).__name__}: {error}")
            return
        if status == self.contract.codes.too_many_requests:
            # Its own row, not a failure: the throttled gates judge how many there were.
            response.request_meta["name"] = self.state.throttled_names[key]
            response.request_meta["context"][CONTEXT_THROTTLED] = True
            response.success()
            return
        sampled = self.rng.random() < self.state.settings.validate_sample

        def exchange(with_headers: bool) -> Exchange:
            headers = tuple(response.headers.items()) if with_headers and response.headers else ()
            return Exchange(
                operation=kind(key).operation,
                request=RecordedRequest("GET", self.base_url + planned.path, self.recorded_headers),
                # Redacted and cut as the gateway client records its answers.
                response=RecordedResponse.capture(
                    status,
                    headers,
                    response.content or b"",
                    float(response.request_meta.get("response_time", 0.0)) / 1000,
                    self.state.secrets,
                ),
                message_id=planned.message_id,
                channel=planned.channel,
                ids=planned.ids,
                params=planned.params,
                keyed=True,
                rate_limit=self.rate_limit,
            )

        expect = kind(key).expect
        # Headers are copied only when a check reads them or a report shows them.
        problems: list[Violation] = expect(exchange(with_headers=sampled), self.contract)
        if sampled:
            problems += run_checks(exchange(with_headers=True), self.contract)
        elif problems:
            problems = expect(exchange(with_headers=True), self.contract)
        if not problems:
            response.success()
            return
        for problem in problems:
            self.state.recorder.violation(problem.rule, problem.describe())
        # Locust shows one cause per failed request: a documented rule before a vendor or a
        # pinned one, and the schema (which restates every other shape rule) last.
        first = min(problems, key=_cause_rank)
        response.failure(_failure_text(first, (planned.message_id, *planned.ids)))


# The rule that judges a whole body against its schema: true, but the narrower rule says more.
_CATCH_ALL_RULE = "response_schema"
_PROVENANCE_RANK = {"documented": 0, "vendor": 1, "pinned": 2}


def _cause_rank(problem: Violation) -> tuple[bool, int]:
    provenance = problem.provenance.split(":", 1)[0]  # "vendor: <page>"
    return problem.rule == _CATCH_ALL_RULE, _PROVENANCE_RANK.get(provenance, len(_PROVENANCE_RANK))


def _failure_text(problem: Violation, ids: tuple[str | None, ...]) -> str:
    """The rule and message, ids replaced by [id] so Locust keeps one failure row per cause."""
    text = problem.headline()
    for found in ids:
        if found:
            text = text.replace(found, "[id]")
    return text[:FAILURE_TEXT_MAX]


class GatewayUser(FastHttpUser):
    """A client of the status API: closed model by default, an arrival-rate dispatcher in the open model."""

    def __init__(self, environment: Any) -> None:
        state = current_state()
        if state is None:
            raise RuntimeError("the gatewatch plugin is not installed: import gatewatch.loadtest.locustfile")
        self._gw = state
        settings = state.settings
        if settings.open_model:
            self.concurrency = settings.max_in_flight  # connections for the requests in flight
        if state.target is not None:
            self.connection_timeout = state.target.timeouts.connect_s
            self.network_timeout = state.target.timeouts.read_s
        super().__init__(environment)
        agent: Any = self.client.client  # geventhttpclient's UserAgent under Locust's session
        # Every status code is an answer to judge (404 is expected for two kinds): without
        # this, each 404 takes the agent's error path, which formats a debug transcript.
        agent.valid_response_codes = ALL_STATUS_CODES
        # The API authenticates by key, not cookie; a cookie jar only costs time per request.
        agent.cookiejar = None
        self._rng = random.Random()
        self._lookups: Lookups | None = None
        self._pool: Pool | None = None

    def on_start(self) -> None:
        """Bind the lookups to this user's HTTP client, once the setup phase has ids."""
        if self._gw.known is not None and self._gw.target is not None:
            self._lookups = Lookups(self.client, self._gw, self._rng)

    def wait_time(self) -> float:
        """Closed model: a pause uniform in [0, 2 x think time]; open model: none (the schedule paces)."""
        if self._gw.settings.open_model:
            return 0.0
        return self._rng.uniform(0.0, 2 * self._gw.settings.think_time_s)

    @task
    def look_up(self) -> None:
        """One lookup (closed model), or dispatch on the schedule until the run ends (open model)."""
        if self._lookups is None:
            raise StopUser()  # the setup phase failed and the run is stopping: end quietly
        if not self._gw.settings.open_model:
            self._lookups.make(self._lookups.pick())
            return
        self._dispatch(self._lookups)

    def _dispatch(self, lookups: Lookups) -> None:
        settings = self._gw.settings
        pool = self._pool = Pool(settings.max_in_flight)
        recorder = self._gw.recorder

        def one(intended_at: float) -> None:
            try:
                lookups.make(lookups.pick(), intended_at)
            except Exception as exc:  # one bad request must not end the dispatcher
                log.exception("gatewatch: a scheduled request raised")
                self.environment.events.user_error.fire(
                    user_instance=self, exception=exc, tb=exc.__traceback__
                )

        dispatch(
            self._schedule(),
            clock=time.monotonic,
            sleep=gevent.sleep,
            slot_free=lambda: not pool.full(),
            # The intended start, on the wall clock Locust stamps requests with.
            start=lambda lag: pool.spawn(one, time.time() - lag),
            report=lambda started, dropped: recorder.schedule(started, dropped, time.time()),
            running=lambda: self._gw.rate_per_user > 0,
            wait_slot=lambda timeout: pool.wait_available(timeout=timeout),
        )

    def _schedule(self) -> ArrivalSchedule:
        """The dispatcher's schedule: its share of the arrival rate, or of the ramp past the limit."""
        state, settings = self._gw, self._gw.settings
        start = time.monotonic()
        if not settings.ramp or state.target is None:
            return ArrivalSchedule(state.rate_per_user, start, settings.max_lag_s)
        # The ramp starts rising when the gates start measuring and ends with the run.
        now = time.time()
        measure_from = state.recorder.measure_from or now
        ramp_end = state.ramp_end or measure_from
        profile = ramp_plan(state.target.rate_limit).profile(
            state.rate_per_user, ramp_at=measure_from - now, ramp_s=ramp_end - measure_from
        )
        return ArrivalSchedule(state.rate_per_user, start, settings.max_lag_s, profile=profile)

    def on_stop(self) -> None:
        """Stop the requests this dispatcher still has in flight."""
        if self._pool is not None:
            self._pool.kill(block=False)
