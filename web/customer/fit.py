"""Which published printers a design fits, and what they offer it (materials, colours, a scale that fits)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from offchain.chain.records import TwinRecord
from offchain.exceptions import BadRequestError
from offchain.matching.constraints import check
from offchain.types import Capability, Constraint, Part
from web.platform.context import catalogue, published_printers
from web.platform.store import Design


def _fits(size_um: Sequence[int], cap: Capability) -> bool:
    """Whether a part of this size fits the plate (a 90° turn allowed) and the build height."""
    part = Part(int(size_um[0]), int(size_um[1]), int(size_um[2]), 0, 0, 10_000)
    return check(part, cap) not in (Constraint.FOOTPRINT, Constraint.HEIGHT)


def offered(design: Design, printers: list[TwinRecord]) -> dict[str, set[int]]:
    """The material and colour codes some published printer that fits the design offers (the rest are greyed out)."""
    fitting = [t.capability for t in printers if _fits(design.info["size_um"], t.capability)]
    materials = {code for cap in fitting for code in range(64) if cap.material_mask >> code & 1}
    colours = {code for cap in fitting for code in range(64) if cap.colour_mask >> code & 1}
    return {"materials": materials, "colours": colours}


def check_offered(design: Design, material: str, colour: str) -> None:
    """BadRequestError unless some published printer that fits the design offers this material in this colour
    (the page greys out each alone; the pair is checked here). Nothing is checked before any printer is published."""
    names = catalogue()
    material_code = next(c for c, n in names.materials.items() if n == material)
    colour_code = next(c for c, n in names.colours.items() if n == colour)
    printers = published_printers()
    if not printers:
        return
    if not any(
        _fits(design.info["size_um"], t.capability)
        and t.capability.material_mask >> material_code & 1
        and t.capability.colour_mask >> colour_code & 1
        for t in printers
    ):
        raise BadRequestError(
            f"no published printer that fits {design.name} offers {material} in {colour}: choose another pair",
            field="colour",
        )


def fit_report(size_um: tuple[int, int, int] | list[int]) -> dict[str, Any]:
    """Whether the part fits a published printer's plate (a 90° turn allowed) and height; the largest printer; and,
    when nothing fits, the largest scale (whole percent) at which it would fit one."""
    printers = published_printers()
    fitting = [t.twin_id for t in printers if _fits(size_um, t.capability)]
    largest = max(
        printers, key=lambda t: t.capability.build_x * t.capability.build_y * t.capability.build_z, default=None
    )
    u, v, w = (int(x) for x in size_um)
    ratios = [min(min(c.build_x, c.build_y) / min(u, v), max(c.build_x, c.build_y) / max(u, v), c.build_z / w)
              for c in (t.capability for t in printers)]  # fmt: skip
    best = max(ratios, default=0.0)
    return {
        "scale_to_fit": math.floor(best * 100) / 100 if not fitting and best >= 0.01 else None,
        "printers": len(printers),
        "fits": bool(fitting),
        "fitting_printers": len(fitting),
        "largest_mm": [largest.capability.build_x / 1000, largest.capability.build_y / 1000,
                       largest.capability.build_z / 1000] if largest else None,
    }  # fmt: skip
