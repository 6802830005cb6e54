"""Live streams (Server-Sent Events) that cannot starve the server.

Each open stream holds one of waitress's request threads while it is open. So streams are **counted and capped**
— at most `per_session` per signed-in session (a few tabs: a new one ends the session's oldest, so a reload always
works and a page that went away without its stream ending cannot lock its session out) and `total` for the whole
server, which leaves the rest of the threads to pages — and **short-lived**: a stream ends after `lifetime` seconds
and the browser's EventSource opens the next one after `RETRY_MS` (the first event of every stream is the current
state, so nothing is missed). A stream over the server's cap is refused at once (429 with Retry-After; htmx's SSE
extension retries with back-off), and the session is re-checked at every keep-alive: a stream of a session that
signed out or expired ends there.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from flask import Response, stream_with_context

from offchain.exceptions import ConfigError, RateLimitedError

KEEP_ALIVE = 5.0
"""Seconds between keep-alive comments (and session re-checks) on a quiet stream: a write is how the server learns
that a page went away, so a closed page's stream ends (and frees its slot) within about two of these."""
RETRY_MS = 500
"""How long the browser waits before opening the next stream once one ends."""


@dataclass(frozen=True)
class StreamLimits:
    total: int = 40
    """Streams open at once on the whole server (waitress runs 64 request threads: 24 always serve pages)."""
    per_session: int = 4
    """Streams open at once per signed-in session (tabs)."""
    lifetime: float = 120.0
    """Seconds a stream stays open before the browser is asked to open a new one."""

    def __post_init__(self) -> None:
        for name in ("total", "per_session", "lifetime"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"stream limit {name} must be positive, got {getattr(self, name)!r}")


class Slot:
    """One open stream's place in the gate; `evicted` is set when a newer stream of its session took its place."""

    def __init__(self, gate: StreamGate, session_id: str) -> None:
        self.gate, self.session_id = gate, session_id
        self.evicted = threading.Event()
        self.wake: Callable[[], None] | None = None
        """Set by the stream once it listens: wakes it so it sees it was evicted."""
        self._released = False

    def release(self) -> None:
        """Gives the place back (idempotent)."""
        self.gate._release(self)


class StreamGate:
    """Counts open streams per session and in all. A session over its cap gets the stream and its oldest one is
    ended (a reload or a new tab always works, and a page that went away without its stream ending cannot lock the
    session out); a server over its cap refuses the stream."""

    def __init__(self, limits: StreamLimits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._slots: dict[str, list[Slot]] = {}  # per session, oldest first

    @property
    def open(self) -> int:
        with self._lock:
            return sum(len(slots) for slots in self._slots.values())

    def take(self, session_id: str) -> Slot:
        """A stream slot for `session_id` (its oldest stream evicted when the session is at its cap);
        RateLimitedError when the server has no slot free."""
        with self._lock:
            mine = [s for s in self._slots.get(session_id, []) if not s.evicted.is_set()]
            evict = mine[0] if len(mine) >= self.limits.per_session else None
            if evict is None and sum(len(slots) for slots in self._slots.values()) >= self.limits.total:
                raise RateLimitedError(
                    "the server has as many live streams open as it serves: this page updates again in a moment",
                    details={"retry_after": 5},
                )
            slot = Slot(self, session_id)
            self._slots.setdefault(session_id, []).append(slot)
            if evict is not None:
                evict.evicted.set()
        if evict is not None and evict.wake is not None:
            evict.wake()
        return slot

    def _release(self, slot: Slot) -> None:
        with self._lock:
            if slot._released:
                return
            slot._released = True
            slots = self._slots[slot.session_id]
            slots.remove(slot)
            if not slots:
                del self._slots[slot.session_id]


def _poke(inbox: queue.Queue[Any]) -> None:
    """Wakes a stream waiting on `inbox` (its oldest item dropped if it is full)."""
    while True:
        try:
            inbox.put_nowait(("", None))
            return
        except queue.Full:
            with contextlib.suppress(queue.Empty):
                inbox.get_nowait()


def live(
    gate: StreamGate,
    session_id: str,
    still_signed_in: Callable[[], bool],
    subscription: AbstractContextManager[queue.Queue[Any]],
    first: Callable[[], Iterator[str]],
    on_message: Callable[[str, Any], Iterator[str]],
) -> Response:
    """A capped, short-lived SSE response: `first()` yields the current state, then `on_message(topic, data)` the
    events for each publication on `subscription` (the broker's queue); a keep-alive comment on a quiet interval.
    The session is re-checked before every event and keep-alive: signed out, the stream ends. RateLimitedError (a
    plain JSON 429) before anything is sent when a cap is reached."""
    slot = gate.take(session_id)
    lifetime = gate.limits.lifetime

    def stream() -> Iterator[str]:
        deadline = time.monotonic() + lifetime
        try:
            yield f"retry: {RETRY_MS}\n\n"
            with subscription as inbox:
                slot.wake = lambda: _poke(inbox)
                yield from first()
                wrote = time.monotonic()
                while (left := deadline - time.monotonic()) > 0 and not slot.evicted.is_set():
                    try:
                        topic, data = inbox.get(timeout=min(KEEP_ALIVE, left))
                    except queue.Empty:
                        topic, data = "", None
                    if slot.evicted.is_set() or not still_signed_in():
                        return
                    sent = False
                    if topic:
                        for chunk in on_message(topic, data):
                            sent = True
                            yield chunk
                    # a write at least every KEEP_ALIVE, even while publications arrive that change nothing on
                    # this page (a new block): writing is how the server learns that the page went away
                    if sent:
                        wrote = time.monotonic()
                    elif time.monotonic() - wrote >= KEEP_ALIVE:
                        wrote = time.monotonic()
                        yield ": keep-alive\n\n"
        finally:
            slot.release()

    response = Response(stream_with_context(stream()), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})  # fmt: skip
    response.call_on_close(slot.release)  # also when the stream was never started (the client went away first)
    return response
