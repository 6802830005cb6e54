"""The matcher's estimator: how long a design takes (sliced once with a reference profile, cached by digest), and
the G-code for the printer it was matched to (sliced again with that printer's profile, put on IPFS).

A stranger can place orders whose designs the swarm cannot serve (a CID nobody holds costs the storage's whole
timeout to find out). So designs are fetched **in parallel** (`FETCH_WORKERS` at once) before a cycle plans, the
cycle waits for them at most `FETCH_BUDGET` seconds (a slow fetch goes on in the background and its design is ready
for a later cycle), and a design that failed is **not tried again before its back-off** (5 s doubling to 10 min,
per digest): meanwhile its orders are reported "design unavailable" and left out of planning, never lost.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from offchain.bot.view import OrderInfo
from offchain.exceptions import ImseError
from offchain.printing.slicer import Slicer, SlicerProfile
from offchain.printing.stl import read_stl
from offchain.storage.base import Storage, fetch_verified

log = logging.getLogger("imse.matcher")
REFERENCE_PROFILE = SlicerProfile()  # estimates for planning; G-code is sliced again for the chosen printer
MAX_DESIGN_BYTES = 100 * 1024 * 1024
FETCH_WORKERS = 8
FETCH_BUDGET = 15.0
"""Seconds a cycle waits for the designs it has not fetched yet."""
SLICE_BUDGET = 60.0
"""Seconds a cycle spends slicing new designs; the rest are sliced in the next cycles (their orders wait)."""


@dataclass(frozen=True)
class Design:
    seconds_per_copy: int
    stl: bytes
    size_mm: tuple[float, float, float]


RETRY_FIRST = 5.0  # seconds before a design that failed is tried again; doubles per failure
RETRY_MAX = 600.0


class Estimator:
    def __init__(self, storage: Storage, slicer: Slicer, clock: Callable[[], float] = time.monotonic) -> None:
        self.storage = storage
        self.slicer = slicer
        self._designs: dict[bytes, Design] = {}  # each design is fetched, parsed and sliced once
        # a design that failed: (when to try again, the delay after the next failure, the error)
        self._failed: dict[bytes, tuple[float, float, str]] = {}
        self._errors: dict[bytes, ImseError] = {}  # the last failure itself, raised to the first one asking
        self._fetched: dict[bytes, bytes] = {}  # verified bytes, fetched but not yet sliced
        self._fetching: dict[bytes, Future[bytes]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(FETCH_WORKERS, thread_name_prefix="design-fetch")
        self._clock = clock

    def prepare(self, infos: Iterable[OrderInfo], *, fetch_budget: float | None = None,
                slice_budget: float | None = None) -> None:  # fmt: skip
        """Fetches the designs not known yet in parallel (waiting at most `fetch_budget` s, default FETCH_BUDGET),
        then slices what was fetched (for at most `slice_budget` s, default SLICE_BUDGET). What is not ready
        afterwards is reported by `seconds_per_copy`."""
        fetch_budget = FETCH_BUDGET if fetch_budget is None else fetch_budget
        slice_budget = SLICE_BUDGET if slice_budget is None else slice_budget
        started = self._clock()
        wanted = {i.design_digest: i for i in infos if self._wanted(i.design_digest, started)}
        with self._lock:
            for digest, info in wanted.items():
                if digest not in self._fetching and digest not in self._fetched:
                    self._errors.pop(digest, None)
                    self._fetching[digest] = self._pool.submit(self._fetch, info)
            waiting = [self._fetching[d] for d in wanted if d in self._fetching]
        if waiting:
            wait(waiting, timeout=fetch_budget)
        self._collect()
        deadline = self._clock() + slice_budget
        for digest in list(wanted):
            if self._clock() > deadline:
                break
            with self._lock:
                stl = self._fetched.pop(digest, None)
            if stl is not None:
                self._slice(digest, stl)

    def seconds_per_copy(self, info: OrderInfo) -> int:
        """Seconds per copy of the order's design; ImseError when it cannot be fetched, verified or sliced (or is
        still on its way: `prepare` first)."""
        return self._design(info).seconds_per_copy

    def gcode_cid(self, info: OrderInfo, document: dict[str, Any] | None, material: str) -> str:
        """G-code of the design for the printer whose twin document is `document` (the reference profile when it
        has none or an unusable one), on IPFS."""
        design = self._design(info)
        profile = REFERENCE_PROFILE
        if document is not None:
            try:
                profile = SlicerProfile.from_twin(document, material=material)
            except ImseError:
                profile = REFERENCE_PROFILE
        result = self.slicer.slice(design.stl, profile, size_mm=design.size_mm)
        return self.storage.add(result.gcode_path.read_bytes())

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------------------------------ internals

    def _wanted(self, digest: bytes, now: float) -> bool:
        return digest not in self._designs and not (digest in self._failed and now < self._failed[digest][0])

    def _fetch(self, info: OrderInfo) -> bytes:
        return fetch_verified(self.storage, info.design_cid, info.design_digest, max_bytes=MAX_DESIGN_BYTES)

    def _collect(self) -> None:
        """Moves finished fetches to `_fetched` (or `_failed`, with its back-off)."""
        with self._lock:
            done = {d: f for d, f in self._fetching.items() if f.done()}
            for digest, future in done.items():
                del self._fetching[digest]
                error = future.exception()
                if error is None:
                    self._fetched[digest] = future.result()
                else:
                    self._fail(digest, error)

    def _fail(self, digest: bytes, error: BaseException) -> None:
        now = self._clock()
        delay = self._failed[digest][1] if digest in self._failed else RETRY_FIRST
        text = str(error)[:300] if isinstance(error, ImseError) else f"{type(error).__name__}: {str(error)[:280]}"
        self._failed[digest] = (now + delay, min(RETRY_MAX, delay * 2), text)
        self._errors[digest] = error if isinstance(error, ImseError) else ImseError(text)
        log.warning("design %s unavailable (next try in %.0f s): %s", digest.hex()[:16], delay, text)

    def _slice(self, digest: bytes, stl: bytes) -> None:
        try:
            size = read_stl(stl).size_mm
            seconds = self.slicer.slice(stl, REFERENCE_PROFILE, size_mm=size).estimated_seconds
        except ImseError as err:
            self._fail(digest, err)
            return
        self._failed.pop(digest, None)
        self._errors.pop(digest, None)
        self._designs[digest] = Design(seconds, stl, size)

    def _design(self, info: OrderInfo) -> Design:
        """The design once prepared. One that failed (missing on IPFS, tampered, not an STL) is not tried again
        before its back-off ends: the last error is raised meanwhile."""
        digest = info.design_digest
        if digest not in self._designs:
            now = self._clock()
            if digest in self._failed and now < self._failed[digest][0]:
                raise ImseError(f"{self._failed[digest][2]} (next try in {self._failed[digest][0] - now:.0f} s)")
            self.prepare([info])
            if digest in self._errors:
                raise self._errors.pop(digest)
            if digest not in self._designs:
                raise ImseError("the design is still being fetched from the swarm: planned once it arrives")
        return self._designs[digest]
