"""The reference model of the basic constraints, at every boundary."""

from __future__ import annotations

import pytest

from offchain.matching.constraints import check
from offchain.types import Capability, Constraint, Part

PRINTER = Capability(
    build_x=220_000, build_y=200_000, build_z=250_000, accuracy=100, material_mask=0b101, colour_mask=0b10
)


def part(**fields: int) -> Part:
    base = {"size_u": 10_000, "size_v": 10_000, "size_w": 10_000, "material": 0, "colour": 1, "accuracy": 100}
    return Part(**{**base, **fields})


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, Constraint.NONE),
        ({"size_u": 220_000, "size_v": 200_000}, Constraint.NONE),  # exactly the plate
        ({"size_u": 200_000, "size_v": 220_000}, Constraint.NONE),  # turned 90°
        ({"size_u": 220_001, "size_v": 1}, Constraint.FOOTPRINT),  # long side over
        ({"size_u": 1, "size_v": 220_001}, Constraint.FOOTPRINT),  # long side over, turned
        ({"size_u": 200_001, "size_v": 200_001}, Constraint.FOOTPRINT),  # short side over
        ({"size_w": 250_000}, Constraint.NONE),
        ({"size_w": 250_001}, Constraint.HEIGHT),
        ({"material": 2}, Constraint.NONE),
        ({"material": 1}, Constraint.MATERIAL),
        ({"material": 64}, Constraint.MATERIAL),
        ({"colour": 0}, Constraint.COLOUR),
        ({"colour": 65}, Constraint.COLOUR),
        ({"accuracy": 101}, Constraint.NONE),  # looser tolerance than the printer: fine
        ({"accuracy": 99}, Constraint.ACCURACY),  # finer than the printer can hold
    ],
)
def test_check__boundaries(fields, expected):
    assert check(part(**fields), PRINTER) == expected


def test_check__several_failures__reports_the_first_in_chain_order():
    assert check(part(size_w=10**9, material=1, accuracy=1), PRINTER) == Constraint.HEIGHT


def test_paper_equation_1_as_printed__would_reject_a_fitting_part():
    """The paper prints eq. (1) as min(u,v) >= min(U,V): a small part would never fit. Ours accepts it."""
    small = part(size_u=1_000, size_v=1_000)
    assert check(small, PRINTER) == Constraint.NONE
    assert not min(small.size_u, small.size_v) >= min(PRINTER.build_x, PRINTER.build_y)
