"""The simulator's outbox: delivery webhooks POSTed off the request path.

One daemon worker per simulator, started on the first payload and stopped with the
simulator, takes payloads from a bounded queue ordered by when they fall due (the moment
the message reaches its final status, plus any delay fault). Each POST has the contract's
receiver timeout; no answer or a non-2xx is retried a bounded number of times with a short
backoff. The transport faults (`WebhookFaults`) lose, duplicate, delay and reorder
payloads, each spread evenly like the other faults so counts repeat.
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from gatewatch.simulator.config import WebhookFaults

#: Where a payload goes, asked when it is POSTed (None: nowhere any more).
Target = Callable[[], str | None]

log = logging.getLogger(__name__)

# The longest the worker sleeps before looking at its queue and stop flag again.
_MAX_WAIT_S = 0.5
# A 2xx answer (an HTTP class boundary, not a contract code).
_OK_CLASS = 2  # http-class


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    target: Target = field(compare=False)
    body: bytes = field(compare=False)
    attempt: int = field(default=0, compare=False)


class _Every:
    """Hits an even share `rate` of the calls (0.5: every second one)."""

    def __init__(self, rate: float) -> None:
        self.rate, self.count = rate, 0

    def __call__(self) -> bool:
        self.count += 1
        return math.floor(self.count * self.rate) != math.floor((self.count - 1) * self.rate)


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    """What happened to the payloads so far."""

    posted: int = 0  # POSTs answered 2xx
    failed: int = 0  # POSTs with no answer or a non-2xx (each attempt)
    given_up: int = 0  # payloads whose every attempt failed
    lost: int = 0  # payloads the loss fault never sent
    unaddressed: int = 0  # payloads with nowhere to go when due (webhook removed)
    overflow: int = 0  # payloads refused because the queue was full


def post(url: str, body: bytes, timeout_s: float, content_type: str) -> bool:
    """POST `body` to `url`; True on a 2xx answer within `timeout_s`."""
    parts = urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = kind(parts.hostname or "", parts.port, timeout=timeout_s)
    try:
        path = parts.path or "/"
        conn.request(
            "POST", f"{path}?{parts.query}" if parts.query else path, body, {"Content-Type": content_type}
        )
        status = conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()
    return status // 100 == _OK_CLASS


class Outbox:
    """A bounded queue of payloads and the worker thread that POSTs them."""

    def __init__(
        self,
        *,
        timeout_s: float,
        content_type: str,
        attempts: int,
        backoff_s: float,
        max_queued: int,
        faults: WebhookFaults,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._timeout_s, self._content_type = timeout_s, content_type
        self._attempts, self._backoff_s, self._max_queued = attempts, backoff_s, max_queued
        self._clock = clock
        self._queue: list[_Job] = []
        self._seq = itertools.count()
        self._changed = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._held: _Job | None = None
        self._counts = OutboxCounts()
        self.set_faults(faults)

    @property
    def faults(self) -> WebhookFaults:
        """The webhook faults on now."""
        return self._faults

    def set_faults(self, faults: WebhookFaults) -> None:
        """Switch to `faults` (their counters start afresh)."""
        with self._changed:
            self._faults = faults
            self._lose, self._double = _Every(faults.loss), _Every(faults.duplicates)
            self._hold = _Every(faults.reorder)

    @property
    def counts(self) -> OutboxCounts:
        """What happened to the payloads so far."""
        with self._changed:
            return self._counts

    def _count(self, **more: int) -> None:
        self._counts = replace(self._counts, **{k: getattr(self._counts, k) + v for k, v in more.items()})

    def schedule(self, due: float, target: Target, payload: dict[str, Any]) -> bool:
        """Queue `payload` for `target` at `due` (epoch seconds); False when the queue is full."""
        body = json.dumps(payload).encode()
        with self._changed:
            if self._stopping:
                return False
            if len(self._queue) >= self._max_queued:
                self._count(overflow=1)
                return False
            heapq.heappush(self._queue, _Job(due + self._faults.delay_s, next(self._seq), target, body))
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="gatewatch-webhooks", daemon=True)
                self._thread.start()
            self._changed.notify()
        return True

    def clear(self) -> None:
        """Forget every queued payload (the simulator's reset)."""
        with self._changed:
            self._queue.clear()
            self._held = None

    def stop(self, timeout_s: float) -> bool:
        """Drop what is queued and end the worker; True when it ended within `timeout_s`."""
        with self._changed:
            self._stopping = True
            self._queue.clear()
            self._held = None
            self._changed.notify_all()
            thread = self._thread
        if thread is None:
            return True
        thread.join(timeout_s)
        if thread.is_alive():
            return False
        with self._changed:  # a simulator started again delivers again
            self._thread, self._stopping = None, False
        return True

    # -- the worker ---------------------------------------------------------------------

    def _next(self) -> _Job | None:
        """Wait for the next job due (None: stopping), flushing a held one that waited long enough."""
        with self._changed:
            while not self._stopping:
                now = self._clock()
                if self._queue and self._queue[0].due <= now:
                    return heapq.heappop(self._queue)
                held = self._held
                if held is not None and held.due + self._timeout_s <= now:
                    self._held = None
                    return held
                soonest = [job.due for job in self._queue[:1]]
                if held is not None:
                    soonest.append(held.due + self._timeout_s)
                wait = min([*(t - now for t in soonest), _MAX_WAIT_S])
                self._changed.wait(max(wait, 0.0))
            return None

    def _work(self) -> None:
        while (job := self._next()) is not None:
            try:
                self._first(job) if job.attempt == 0 else self._send(job)
            except Exception:  # a worker thread has nobody else to tell
                log.exception("webhook delivery failed")

    def _first(self, job: _Job) -> None:
        """A payload's first attempt, through the loss, reorder and duplicate faults."""
        with self._changed:
            if self._lose():
                self._count(lost=1)
                return
            if self._held is None and self._hold():
                self._held = job
                return
            held, self._held = self._held, None
            double = self._double()
        self._send(job)
        if double:
            self._send(job, retry=False)
        if held is not None:
            self._send(held)

    def _send(self, job: _Job, *, retry: bool = True) -> None:
        url = job.target()
        if url is None:
            with self._changed:
                self._count(unaddressed=1)
            return
        ok = post(url, job.body, self._timeout_s, self._content_type)
        with self._changed:
            if ok:
                self._count(posted=1)
                return
            self._count(failed=1)
            if not retry:
                return
            if job.attempt + 1 >= self._attempts:
                self._count(given_up=1)
                return
            again = _Job(
                self._clock() + self._backoff_s * (job.attempt + 1),
                next(self._seq),
                job.target,
                job.body,
                job.attempt + 1,
            )
            heapq.heappush(self._queue, again)
