"""An in-process publish/subscribe broker for Server-Sent Events: the chain index publishes what changed, each open
SSE stream waits on its own queue (each holds a waitress thread while open: web.platform.streams caps them and keeps
them short). One server process, so no Redis is needed."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

QUEUE_SIZE = 100


class Broker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, list[queue.Queue[Any]]] = {}

    @contextmanager
    def subscribe(self, *topics: str) -> Iterator[queue.Queue[Any]]:
        """A queue receiving (topic, data) of every publication on `topics` while the block runs."""
        inbox: queue.Queue[Any] = queue.Queue(QUEUE_SIZE)
        with self._lock:
            for topic in topics:
                self._subscribers.setdefault(topic, []).append(inbox)
        try:
            yield inbox
        finally:
            with self._lock:
                for topic in topics:
                    self._subscribers[topic].remove(inbox)
                    if not self._subscribers[topic]:
                        del self._subscribers[topic]

    def publish(self, topic: str, data: Any = None) -> int:
        """Sends to every subscriber of `topic` (a full queue drops its oldest item: a page only needs the latest
        state); returns how many got it."""
        with self._lock:
            inboxes = list(self._subscribers.get(topic, []))
        for inbox in inboxes:
            while True:
                try:
                    inbox.put_nowait((topic, data))
                    break
                except queue.Full:
                    with suppress(queue.Empty):
                        inbox.get_nowait()
        return len(inboxes)

    def subscribers(self, topic: str) -> int:
        with self._lock:
            return len(self._subscribers.get(topic, []))


def sse(event: str, data: str) -> str:
    """One Server-Sent Event: every line of `data` as its own `data:` field."""
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n"
