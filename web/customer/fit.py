"""Which published printers a design fits, and what they offer it (materials, colours, a scale that fits)."""

from __future__ import annotations

import math
from typing import Any

from offchain.exceptions import BadRequestError
from offchain.matching.constraints import Part, check
from offchain.types import Constraint, TwinStatus
from web.context import platform
from web.store import Design


def offered(design: Design, printers: list[Any]) -> dict[str, set[int]]:
    """The material and colour codes some published printer that fits the design offers (the rest are greyed out)."""
    size = design.info["size_um"]
    part = Part(int(size[0]), int(size[1]), int(size[2]), 0, 0, 10_000)
    fitting = [
        t.capability for t in printers if check(part, t.capability) not in (Constraint.FOOTPRINT, Constraint.HEIGHT)
    ]
    materials = {code for cap in fitting for code in range(64) if cap.material_mask >> code & 1}
    colours = {code for cap in fitting for code in range(64) if cap.colour_mask >> code & 1}
    return {"materials": materials, "colours": colours}


def check_offered(design: Design, material: str, colour: str) -> None:
    """BadRequestError unless some published printer that fits the design offers this material in this colour
    (the page greys out each alone; the pair is checked here). Nothing is checked before any printer is published."""
    catalogue = platform().chain.twin_registry.catalogue()
    codes = {n: c for c, n in catalogue.materials.items()}, {n: c for c, n in catalogue.colours.items()}
    printers = [t for t in platform().chain.twin_registry.twins() if t.status != TwinStatus.RETIRED]
    if not printers:
        return
    size = design.info["size_um"]
    part = Part(int(size[0]), int(size[1]), int(size[2]), codes[0][material], codes[1][colour], 10_000)
    if not any(check(part, t.capability) not in (Constraint.FOOTPRINT, Constraint.HEIGHT, Constraint.MATERIAL,
                                                  Constraint.COLOUR) for t in printers):  # fmt: skip
        raise BadRequestError(
            f"no published printer that fits {design.name} offers {material} in {colour}: choose another pair",
            field="colour",
        )


def fit_report(size_um: tuple[int, int, int] | list[int]) -> dict[str, Any]:
    """Whether the part fits a published printer's plate (a 90° turn allowed) and height; the largest printer; and,
    when nothing fits, the largest scale (whole percent) at which it would fit one."""
    printers = [t for t in platform().chain.twin_registry.twins() if t.status != TwinStatus.RETIRED]
    part = Part(int(size_um[0]), int(size_um[1]), int(size_um[2]), 0, 0, 10_000)
    fitting = [
        t.twin_id for t in printers if check(part, t.capability) not in (Constraint.FOOTPRINT, Constraint.HEIGHT)
    ]
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
