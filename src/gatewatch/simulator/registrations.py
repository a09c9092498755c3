"""The delivery-status webhook of each company (one per account, shared by all channels).

In memory, forgotten with the messages on reset. A registration is immutable: changing
the callback URL stores a new one with the same id and creation time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Registration:
    """A company's webhook: its id, where deliveries go, and when it was registered (RFC 3339)."""

    id: str
    callback_url: str
    created_at: str

    def moved_to(self, callback_url: str) -> Registration:
        """The same registration with another callback URL."""
        return replace(self, callback_url=callback_url)


class Registrations:
    """The webhook of each company, by company."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._by_company: dict[str, Registration] = {}
        #: Removed webhooks and when: in-flight deliveries may still reach them for a while.
        self._removed: dict[str, tuple[Registration, float]] = {}
        self._clock = clock
        self._lock = threading.Lock()

    def get(self, company: str) -> Registration | None:
        """`company`'s webhook, or None."""
        with self._lock:
            return self._by_company.get(company)

    def put(self, company: str, registration: Registration) -> None:
        """Make `registration` `company`'s webhook (replacing any)."""
        with self._lock:
            self._by_company[company] = registration

    def remove(self, company: str) -> Registration | None:
        """Forget `company`'s webhook; the one forgotten, or None."""
        with self._lock:
            gone = self._by_company.pop(company, None)
            if gone is not None:
                self._removed[company] = (gone, self._clock())
            return gone

    def removed(self, company: str) -> tuple[Registration, float] | None:
        """`company`'s last removed webhook and when it was removed (epoch seconds), or None."""
        with self._lock:
            return self._removed.get(company)

    def companies(self) -> tuple[str, ...]:
        """The companies with a webhook now."""
        with self._lock:
            return tuple(self._by_company)

    def clear(self) -> None:
        """Forget every webhook."""
        with self._lock:
            self._by_company.clear()
            self._removed.clear()
