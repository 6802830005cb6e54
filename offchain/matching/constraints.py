"""The paper's basic matching constraints (eqs. 1–6) — the reference model of contracts/libraries/MatchConstraints.sol.

Eq. (1) is printed reversed in the paper. A part fits the plate when, allowing a 90° turn, its short side fits the
plate's short side and its long side the long side; its height fits the build height; its material and colour are in
the printer's sets; and its tolerance is at least the printer's accuracy (the printer is at least as fine).
All lengths are micrometres.
"""

from __future__ import annotations

from offchain.types import CATALOGUE_SIZE, Capability, Constraint, Part


def _in_mask(code: int, mask: int) -> bool:
    return 0 <= code < CATALOGUE_SIZE and bool(mask >> code & 1)


def check(part: Part, cap: Capability) -> Constraint:
    """The first constraint `part` fails on `cap` (in the on-chain order), or Constraint.NONE."""
    if min(part.size_u, part.size_v) > min(cap.build_x, cap.build_y) or max(part.size_u, part.size_v) > max(
        cap.build_x, cap.build_y
    ):
        return Constraint.FOOTPRINT
    if part.size_w > cap.build_z:
        return Constraint.HEIGHT
    if not _in_mask(part.material, cap.material_mask):
        return Constraint.MATERIAL
    if not _in_mask(part.colour, cap.colour_mask):
        return Constraint.COLOUR
    if part.accuracy < cap.accuracy:
        return Constraint.ACCURACY
    return Constraint.NONE
