"""The simulator's memory: a bounded, thread-safe map of sent messages.

The event loop thread reads and writes it while a test thread may reset it or read a
message's true timeline, hence the lock. Beyond `max_messages` the oldest message is
forgotten, so a long load test cannot grow the process without bound.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from gatewatch.contract import Recipient
from gatewatch.simulator.lifecycle import Step, step_at


@dataclass(frozen=True, slots=True)
class Message:
    """A sent message and its whole (precomputed) lifecycle."""

    id: str
    channel: str
    company: str
    to: str
    recipient: Recipient
    sent_at: float
    step_s: float
    steps: tuple[Step, ...]

    def step_at(self, now: float) -> Step:
        """The step the message shows at `now`."""
        return step_at(self.steps, now)

    @property
    def settles_at(self) -> float:
        """When the message reaches its last step."""
        return self.steps[-1].at


class MessageStore:
    """Messages by id, forgetting the oldest beyond `max_messages`."""

    def __init__(self, max_messages: int) -> None:
        self.max_messages = max_messages
        self._messages: OrderedDict[str, Message] = OrderedDict()
        self._lock = threading.Lock()
        self._evicted = 0

    def add(self, message: Message) -> None:
        """Remember `message`, evicting the oldest ones if the store is full."""
        with self._lock:
            self._messages[message.id] = message
            while len(self._messages) > self.max_messages:
                self._messages.popitem(last=False)
                self._evicted += 1

    def get(self, message_id: str) -> Message | None:
        """The message with `message_id`, of any channel and company, or None."""
        with self._lock:
            return self._messages.get(message_id)

    def clear(self) -> None:
        """Forget every message."""
        with self._lock:
            self._messages.clear()
            self._evicted = 0

    @property
    def evicted(self) -> int:
        """How many messages were forgotten to stay within `max_messages`."""
        return self._evicted

    def __len__(self) -> int:
        with self._lock:
            return len(self._messages)
