"""The Locust users: look statuses up the way clients do, and judge every answer.

`GatewayUser` is a Locust User on its own kept-alive gevent sockets (transport.py: request
bytes built once per known id, answers read by geventhttpclient's C parser), reporting each
request to Locust's `request` event itself: the grouped names, the failures and the
recorder's histograms are fed as a FastHttpUser would feed them, at about half its CPU per
request. In the closed model (default) each user makes one request
of a kind picked by the mix, pauses (think time), and repeats. In the open model
(``--gatewatch-arrival-rate``) each user is a dispatcher that starts its share of the rate
on a fixed schedule (see arrival.py), up to ``--gatewatch-max-in-flight`` at once.

Every answer's status code is checked with the contract suite's expectation for its kind
(a code the expectation passed once is not re-judged through an Exchange: the
expectations judge the code alone); a sample (``--gatewatch-validate-sample``) also goes
through every contract check. A violation marks the request failed in Locust's
statistics, under its rule.

A 429 is not waited out (that would stretch every latency behind it): it is recorded as
its kind's throttled row (``... (known id, throttled)``), neither failed nor judged, and
the user goes on. Names, parameters and codes all come from the contract.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from itertools import accumulate
from typing import Any
from urllib.parse import quote, urlencode

import gevent
from gevent.pool import Pool
from locust import User, task
from locust.exception import CatchResponseError, StopUser

from gatewatch.checks import Violation, run_checks
from gatewatch.core.bounds import clip
from gatewatch.core.exchange import Exchange, RecordedRequest, RecordedResponse
from gatewatch.core.secrets import REDACTED, redact
from gatewatch.loadtest.arrival import ArrivalSchedule, dispatch
from gatewatch.loadtest.kinds import BATCH, KINDS, KNOWN, OTHER_CHANNEL, UNKNOWN, kind
from gatewatch.loadtest.ramp import ramp_plan
from gatewatch.loadtest.state import ProcessState, current_state
from gatewatch.loadtest.transport import Answer, Transport

log = logging.getLogger(__name__)

CONTEXT_KIND = "gatewatch_kind"
# Open model: when the schedule meant the request to start (epoch s); latency counts from it.
CONTEXT_INTENDED = "gatewatch_intended_at"
CONTEXT_THROTTLED = "gatewatch_throttled"
UNKNOWN_IDS_PER_BATCH = 2
FAILURE_TEXT_MAX = 240
METHOD = "GET"  # every lookup, single or batch


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
    # The request's bytes when built ahead (the known ids' lookups); they hold the key.
    request: bytes | None = field(default=None, repr=False, compare=False)


class Lookups:
    """Makes one request of a kind with a user's Transport, judges the answer and reports it to Locust."""

    def __init__(
        self, transport: Transport, state: ProcessState, rng: random.Random, report: Callable[..., None]
    ) -> None:
        if state.known is None or state.target is None:
            raise RuntimeError("lookups need the setup phase's ids")
        self.transport = transport
        self.report = report  # Locust's request event: its statistics and gatewatch's recorder
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
        self.known = [self._prepared(self._single(m.id, m.channel)) for m in state.known.messages]
        # Per kind, the status codes its expectation has passed (see _judge).
        self.accepted: dict[str, set[int]] = {key: set() for key in KINDS}
        self.other_channel = [
            self._prepared(self._single(m.id, other[m.channel])) for m in state.known.messages
        ]

    def pick(self) -> str:
        """A kind drawn by the mix's weights."""
        return self.rng.choices(self.kinds, cum_weights=self.cum_weights)[0]

    def _unknown_id(self) -> str:
        return f"gatewatch-unknown-{self.rng.getrandbits(64):016x}"

    def _prepared(self, planned: Planned) -> Planned:
        return replace(planned, request=self.transport.prepare(planned.path))

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
        """Send one request of kind `key`, judge it, and report it to Locust (and so to the recorder).

        `intended_at`: when the open model's schedule meant it to start (epoch s).
        """
        planned = self.plan(key)
        request = planned.request
        answer = self.transport.get(planned.path) if request is None else self.transport.send(request)
        context: dict[str, Any] = {CONTEXT_KIND: key}
        if intended_at is not None:
            context[CONTEXT_INTENDED] = intended_at
        name = self.state.names[key]
        failure: str | None = None
        if answer.status == self.contract.codes.too_many_requests:
            # Its own row, not a failure: the throttled gates judge how many there were.
            name = self.state.throttled_names[key]
            context[CONTEXT_THROTTLED] = True
        else:
            failure = self._judge(key, answer, planned)
        self.report(
            request_type=METHOD,
            name=name,
            response_time=answer.elapsed_s * 1000,
            response_length=len(answer.body),
            exception=None if failure is None else CatchResponseError(failure),
            context=context,
            start_time=answer.started_at,
            url=self.base_url + planned.path,
            response=None,
        )

    def _judge(self, key: str, answer: Answer, planned: Planned) -> str | None:
        """None when the answer is right; else the failure Locust shows (violations recorded)."""
        status = answer.status
        if status == 0:
            error = clip(redact(str(answer.error), self.state.secrets))
            return f"no answer: {type(answer.error).__name__}: {error}"
        sampled = self.rng.random() < self.state.settings.validate_sample
        accepted = self.accepted[key]
        if not sampled and status in accepted:
            return None  # the kind's expectation passed this code before: nothing to build

        def exchange(with_headers: bool) -> Exchange:
            return Exchange(
                operation=kind(key).operation,
                request=RecordedRequest(METHOD, self.base_url + planned.path, self.recorded_headers),
                # Redacted and cut as the gateway client records its answers.
                response=RecordedResponse.capture(
                    status,
                    answer.headers() if with_headers else (),
                    answer.body,
                    answer.elapsed_s,
                    self.state.secrets,
                    parse=with_headers,  # a sampled answer: every check reads its JSON
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
        recorded = exchange(with_headers=sampled)
        problems: list[Violation] = expect(recorded, self.contract)
        if not problems:
            # A kind's expectation judges the status code alone (expect_status): a code it
            # passed once, it passes again, so later answers with it skip the Exchange.
            accepted.add(status)
        if sampled:
            problems += run_checks(recorded, self.contract)
        elif problems:
            problems = expect(exchange(with_headers=True), self.contract)
        if not problems:
            return None
        for problem in problems:
            self.state.recorder.violation(problem.rule, problem.describe())
        # Locust shows one cause per failed request: a documented rule before a vendor or a
        # pinned one, and the schema (which restates every other shape rule) last.
        first = min(problems, key=_cause_rank)
        return _failure_text(first, (planned.message_id, *planned.ids))


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


class GatewayUser(User):
    """A client of the status API: closed model by default, an arrival-rate dispatcher in the open model."""

    def __init__(self, environment: Any) -> None:
        state = current_state()
        if state is None:
            raise RuntimeError("the gatewatch plugin is not installed: import gatewatch.loadtest.locustfile")
        super().__init__(environment)
        self._gw = state
        self._rng = random.Random()
        self._transport: Transport | None = None
        self._lookups: Lookups | None = None
        self._pool: Pool | None = None

    def on_start(self) -> None:
        """Open this user's connections and bind the lookups, once the setup phase has ids."""
        state, target = self._gw, self._gw.target
        if state.known is None or target is None:
            return
        settings = state.settings
        self._transport = Transport(
            target.base_url or "",
            # One request at a time in the closed model; the requests in flight in the open one.
            concurrency=settings.max_in_flight if settings.open_model else 1,
            connect_s=target.timeouts.connect_s,
            read_s=target.timeouts.read_s,
            headers=state.auth_headers,
        )
        self._lookups = Lookups(self._transport, state, self._rng, self.environment.events.request.fire)

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
        """Stop the requests this dispatcher still has in flight; close the connections."""
        if self._pool is not None:
            self._pool.kill(block=False)
        if self._transport is not None:
            self._transport.close()
