"""Live streams (Server-Sent Events) that cannot starve the server.

Each open stream holds one of waitress's request threads while it is open. So streams are **counted and capped**
— at most `per_session` per signed-in session (a few tabs) and `total` for the whole server, which leaves the rest
of the threads to pages — and **short-lived**: a stream ends after `lifetime` seconds and the browser's EventSource
opens the next one after `RETRY_MS` (the first event of every stream is the current state, so nothing is missed).
A stream over a cap is refused at once (429 with Retry-After; htmx's SSE extension retries with back-off), and the
session is re-checked at every keep-alive: a stream of a session that signed out or expired ends there.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from flask import Response, stream_with_context

from offchain.exceptions import ConfigError, RateLimitedError

KEEP_ALIVE = 15.0
"""Seconds between keep-alive comments (and session re-checks) on a quiet stream."""
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


class StreamGate:
    """Counts open streams per session and in all, refusing one over either cap."""

    def __init__(self, limits: StreamLimits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._open: dict[str, int] = {}

    @property
    def open(self) -> int:
        with self._lock:
            return sum(self._open.values())

    def take(self, session_id: str) -> Callable[[], None]:
        """Takes one stream slot for `session_id`; returns its release (idempotent). RateLimitedError when none is
        free."""
        with self._lock:
            if sum(self._open.values()) >= self.limits.total:
                raise RateLimitedError(
                    "the server has as many live streams open as it serves: this page updates again in a moment",
                    details={"retry_after": 5},
                )
            if self._open.get(session_id, 0) >= self.limits.per_session:
                raise RateLimitedError(
                    f"this session already has {self.limits.per_session} live streams open (one per tab): close a "
                    "tab, or reload this page later", details={"retry_after": 10},
                )  # fmt: skip
            self._open[session_id] = self._open.get(session_id, 0) + 1
        released = threading.Event()

        def release() -> None:
            with self._lock:
                if released.is_set():
                    return
                released.set()
                self._open[session_id] -= 1
                if not self._open[session_id]:
                    del self._open[session_id]

        return release


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
    release = gate.take(session_id)
    lifetime = gate.limits.lifetime

    def stream() -> Iterator[str]:
        deadline = time.monotonic() + lifetime
        try:
            yield f"retry: {RETRY_MS}\n\n"
            with subscription as inbox:
                yield from first()
                while (left := deadline - time.monotonic()) > 0:
                    try:
                        topic, data = inbox.get(timeout=min(KEEP_ALIVE, left))
                    except queue.Empty:
                        if not still_signed_in():
                            return
                        yield ": keep-alive\n\n"
                        continue
                    if not still_signed_in():
                        return
                    yield from on_message(topic, data)
        finally:
            release()

    response = Response(stream_with_context(stream()), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})  # fmt: skip
    response.call_on_close(release)  # also when the stream was never started (the client went away first)
    return response
