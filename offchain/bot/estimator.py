"""The matcher's estimator: how long a design takes (sliced once with a reference profile, cached by digest), and
the G-code for the printer it was matched to (sliced again with that printer's profile, put on IPFS)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from offchain.bot.view import OrderInfo
from offchain.exceptions import ImseError
from offchain.printing.slicer import Slicer, SlicerProfile
from offchain.printing.stl import read_stl
from offchain.storage.base import Storage, fetch_verified

REFERENCE_PROFILE = SlicerProfile()  # estimates for planning; G-code is sliced again for the chosen printer
MAX_DESIGN_BYTES = 100 * 1024 * 1024


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
        self._clock = clock

    def seconds_per_copy(self, info: OrderInfo) -> int:
        """Seconds per copy of the order's design; ImseError when it cannot be fetched, verified or sliced."""
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

    def _design(self, info: OrderInfo) -> Design:
        """The design, fetched and sliced once. One that fails (missing on IPFS, tampered, not an STL) is not
        tried again before its back-off ends (5 s doubling to 10 min): the last error is raised meanwhile."""
        digest = info.design_digest
        if digest in self._designs:
            return self._designs[digest]
        now = self._clock()
        if digest in self._failed and now < self._failed[digest][0]:
            raise ImseError(f"{self._failed[digest][2]} (next try in {self._failed[digest][0] - now:.0f} s)")
        try:
            stl = fetch_verified(self.storage, info.design_cid, digest, max_bytes=MAX_DESIGN_BYTES)
            size = read_stl(stl).size_mm
            seconds = self.slicer.slice(stl, REFERENCE_PROFILE, size_mm=size).estimated_seconds
        except ImseError as err:
            delay = self._failed[digest][1] if digest in self._failed else RETRY_FIRST
            self._failed[digest] = (now + delay, min(RETRY_MAX, delay * 2), str(err)[:300])
            raise
        self._failed.pop(digest, None)
        self._designs[digest] = Design(seconds, stl, size)
        return self._designs[digest]
