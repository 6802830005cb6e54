"""The matcher's estimator: how long a design takes (sliced once with a reference profile, cached by digest), and
the G-code for the printer it was matched to (sliced again with that printer's profile, put on IPFS)."""

from __future__ import annotations

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


class Estimator:
    def __init__(self, storage: Storage, slicer: Slicer) -> None:
        self.storage = storage
        self.slicer = slicer
        self._designs: dict[bytes, Design] = {}  # each design is fetched, parsed and sliced once

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
        if info.design_digest not in self._designs:
            stl = fetch_verified(self.storage, info.design_cid, info.design_digest, max_bytes=MAX_DESIGN_BYTES)
            size = read_stl(stl).size_mm
            seconds = self.slicer.slice(stl, REFERENCE_PROFILE, size_mm=size).estimated_seconds
            self._designs[info.design_digest] = Design(seconds, stl, size)
        return self._designs[info.design_digest]
