"""Who is asking, and how often they may: the visitor's address (behind a trusted reverse proxy, the one it saw),
and an in-memory sliding-window rate limiter for what a stranger can make the server do (sign-in messages, /rpc).

On loopback without a proxy every visitor shares 127.0.0.1, so a limit keyed on it would let one stranger lock out
everyone: `visitor()` answers None there and callers key on the signed-in account (or a generous global budget)
instead.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import request

from offchain.exceptions import RateLimitedError
from web.platform.settings import WebSettings


def visitor(settings: WebSettings) -> str | None:
    """The visitor's IP address, or None when it cannot be told apart from other visitors' (a loopback peer with no
    trusted proxy in front). X-Forwarded-For is read only from the configured proxy, and then only the entry the
    proxy itself appended (the last one): earlier entries are whatever the client sent."""
    peer = request.remote_addr or ""
    if settings.trusted_proxy and peer == settings.trusted_proxy:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        return forwarded[:64] or None
    try:
        if ipaddress.ip_address(peer).is_loopback:
            return None
    except ValueError:
        return None
    return peer


class RateLimiter:
    """At most `limit` hits per key in any `window` seconds (an in-memory sliding log per key; the oldest keys
    are forgotten past `max_keys`, so a stranger varying the key cannot grow it without bound)."""

    def __init__(
        self, limit: int, window: float, *, max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.max_keys, self._clock = limit, window, max_keys, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, what: str, cost: int = 1) -> None:
        """Counts `cost` hits for `key`; RateLimitedError (429, with when to retry) when that would pass the limit."""
        now = self._clock()
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            self._hits[key] = hits  # re-inserted: the dict keeps keys in least-recently-used order
            if len(hits) + cost > self.limit:
                retry = max(1, round(hits[0] + self.window - now)) if hits else round(self.window)
                raise RateLimitedError(
                    f"too many {what}: at most {self.limit} per {self.window:.0f} s; try again in {retry} s",
                    details={"retry_after": retry},
                )
            hits.extend([now] * cost)
            while len(self._hits) > self.max_keys:
                del self._hits[next(iter(self._hits))]


@dataclass
class Limiters:
    """The rate limiters of one web platform."""

    quotes: RateLimiter = field(default_factory=lambda: RateLimiter(30, 600.0))
    """Slicer quotes (and quoted cart lines) per account."""
    sign_in_visitor: RateLimiter = field(default_factory=lambda: RateLimiter(20, 60.0))
    """Sign-in messages per visitor address (or per claimed account on loopback)."""
    sign_in_all: RateLimiter = field(default_factory=lambda: RateLimiter(600, 60.0))
    """Sign-in messages for everyone together (each is a database row until it expires)."""
    rpc: RateLimiter = field(default_factory=lambda: RateLimiter(600, 60.0))
    """JSON-RPC calls through /rpc per visitor (a batch counts each call)."""
    rpc_shared: RateLimiter = field(default_factory=lambda: RateLimiter(3000, 60.0))
    """JSON-RPC calls through /rpc of every loopback visitor together (they cannot be told apart)."""
