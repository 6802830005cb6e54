"""Differential test: MatchLedger's on-chain constraint check agrees with the Python reference model
(offchain.matching.constraints) on generated (part, printer) pairs, boundary cases first."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from offchain.exceptions import ConfigError
from offchain.matching.constraints import check
from offchain.matching.engine import verdicts
from offchain.matching.model import PendingOrder, PrinterState
from offchain.types import CATALOGUE_SIZE, Capability, Constraint, Part, TwinStatus

PLATE = st.integers(min_value=1, max_value=400_000)
MASK = st.integers(min_value=1, max_value=2**64 - 1)
CODE = st.integers(min_value=0, max_value=255)  # codes >= 64 can never be in a mask
ACCURACY = st.integers(min_value=1, max_value=1_000)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[Part, Capability]:
    cap = Capability(draw(PLATE), draw(PLATE), draw(PLATE), draw(ACCURACY), draw(MASK), draw(MASK))

    def near(limit: int) -> int:
        # Half the time land within ±2 µm of the limit, where off-by-one and reversed-inequality bugs live.
        if draw(st.booleans()):
            return max(1, limit + draw(st.integers(min_value=-2, max_value=2)))
        return draw(st.integers(min_value=1, max_value=limit * 2))

    short, long_ = sorted((cap.build_x, cap.build_y))
    u, v = near(short), near(long_)
    if draw(st.booleans()):
        u, v = v, u  # the part turned by 90° relative to the plate
    member = st.sampled_from([c for c in range(64) if cap.material_mask >> c & 1])
    colour_member = st.sampled_from([c for c in range(64) if cap.colour_mask >> c & 1])
    part = Part(
        size_u=u,
        size_v=v,
        size_w=near(cap.build_z),
        material=draw(st.one_of(member, CODE)),
        colour=draw(st.one_of(colour_member, CODE)),
        accuracy=near(cap.accuracy),
    )
    return part, cap


def _on_chain(match_ledger, part: Part, cap: Capability) -> int:
    return int(
        match_ledger.checkConstraints(
            (part.size_u, part.size_v, part.size_w, part.material, part.colour, part.accuracy),
            (cap.build_x, cap.build_y, cap.build_z, cap.accuracy, cap.material_mask, cap.colour_mask),
        )
    )


PRINTER = Capability(220_000, 200_000, 250_000, 100, 0b111, 0b11)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pair=pairs())
@example(pair=(Part(220_000, 200_000, 250_000, 0, 0, 100), PRINTER))  # exactly the build volume and accuracy
@example(pair=(Part(200_000, 220_000, 250_000, 2, 1, 100), PRINTER))  # turned 90°
@example(pair=(Part(200_001, 200_001, 1, 0, 0, 100), PRINTER))  # short side 1 µm too long
@example(pair=(Part(220_001, 1, 1, 0, 0, 100), PRINTER))  # long side 1 µm too long
@example(pair=(Part(1, 1, 250_001, 0, 0, 100), PRINTER))  # 1 µm too high
@example(pair=(Part(1, 1, 1, 3, 0, 100), PRINTER))  # material not on the printer
@example(pair=(Part(1, 1, 1, 64, 0, 100), PRINTER))  # material code past the mask
@example(pair=(Part(1, 1, 1, 0, 2, 100), PRINTER))  # colour not on the printer
@example(pair=(Part(1, 1, 1, 0, 0, 99), PRINTER))  # 1 µm finer than the printer can hold
@example(pair=(Part(1, 1, 1, 63, 63, 1), Capability(1, 1, 1, 1, 1 << 63, 1 << 63)))  # top codes, tiny printer
def test_check_constraints__on_chain_reference_and_engine__agree(match_ledger, pair):
    part, cap = pair
    on_chain = _on_chain(match_ledger, part, cap)
    assert on_chain == check(part, cap), (part, cap)
    if part.material >= CATALOGUE_SIZE or part.colour >= CATALOGUE_SIZE:
        # Not a catalogue code (OrderBook never stores one): the engine refuses such an order at its boundary,
        # the chain's check fails it — neither would ever match it.
        assert on_chain != Constraint.NONE
        with pytest.raises(ConfigError, match=r"out of range 0\.\.63"):
            _engine(part, cap)
        return
    assert on_chain == _engine(part, cap), (part, cap)


def _engine(part: Part, cap: Capability) -> int:
    """The vectorised matcher engine's verdict on the pair."""
    order = PendingOrder(
        1, "0x0", part.size_u, part.size_v, part.size_w, part.material, part.colour, part.accuracy, 1, 0, 0, 0, 3600
    )
    printer = PrinterState(1, cap, TwinStatus.AVAILABLE, ())
    return int(verdicts([order], [printer])[0, 0])
