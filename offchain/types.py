"""Python mirrors of the Solidity enums and constants (contracts/interfaces/*.sol).

The values must equal the Solidity declaration order; tests/contracts/test_enums.py checks them against the ABI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from offchain.exceptions import TwinValidationError

CONTRACT_NAMES: tuple[str, ...] = ("TwinRegistry", "OrderBook", "MatchLedger", "ExecutionLog")
"""The four deployable contracts of the platform, in deployment order."""

CATALOGUE_SIZE = 64
"""Material and colour codes are 0..63 (a twin's capability holds them as 64-bit masks)."""


class TwinKind(IntEnum):
    PRINTER = 0
    LASER_ENGRAVER = 1
    MATERIAL_SPOOL = 2
    TOOL = 3
    WORKER = 4


class TwinStatus(IntEnum):
    NONE = 0
    AVAILABLE = 1
    BUSY = 2
    MAINTENANCE = 3
    OFFLINE = 4
    RETIRED = 5


class CatalogueKind(IntEnum):
    MATERIAL = 0
    COLOUR = 1


class OrderStatus(IntEnum):
    NONE = 0
    PLACED = 1
    MATCHED = 2
    PRINTING = 3
    PRINTED = 4
    REWORK = 5
    CANCELLED = 6


class SkipReason(IntEnum):
    """Why MatchLedger.publishMatches skipped an item (IMatchLedger.SkipReason): the chain changed after planning."""

    ORDER_NOT_MATCHABLE = 0
    TWIN_NOT_AVAILABLE = 1
    CONSTRAINT_VIOLATED = 2


class Constraint(IntEnum):
    """The first basic matching constraint a (part, printer) pair fails; NONE when it passes all of them."""

    NONE = 0
    FOOTPRINT = 1
    HEIGHT = 2
    MATERIAL = 3
    COLOUR = 4
    ACCURACY = 5


class Mover(IntEnum):
    """Who may make a move of the order status machine."""

    CUSTOMER = 0
    MATCH_WRITER = 1
    EXECUTION_WRITER = 2


def order_moves(rework_count: int) -> dict[tuple[OrderStatus, OrderStatus], Mover]:
    """The order status machine: every allowed (from, to) move and who makes it.

    Unmatching returns an order to the pool it came from: Rework once a fault has sent it back, else Placed.
    """
    back_to_pool = OrderStatus.PLACED if rework_count == 0 else OrderStatus.REWORK
    return {
        (OrderStatus.PLACED, OrderStatus.CANCELLED): Mover.CUSTOMER,
        (OrderStatus.PLACED, OrderStatus.MATCHED): Mover.MATCH_WRITER,
        (OrderStatus.REWORK, OrderStatus.MATCHED): Mover.MATCH_WRITER,
        (OrderStatus.MATCHED, back_to_pool): Mover.MATCH_WRITER,
        (OrderStatus.MATCHED, OrderStatus.PRINTING): Mover.EXECUTION_WRITER,
        (OrderStatus.PRINTING, OrderStatus.PRINTED): Mover.EXECUTION_WRITER,
        (OrderStatus.PRINTING, OrderStatus.REWORK): Mover.EXECUTION_WRITER,
    }


MAX_PRIORITY = 100
REWORK_PRIORITY = 255
MAX_CART_SIZE = 50
MAX_QUANTITY = 10_000  # OrderBook: most copies one order may ask for
MAX_BATCH_SIZE = 100
MAX_ESTIMATED_SECONDS = 30 * 86400  # MatchLedger: longest print estimate a match may carry
START_TOLERANCE = 3600  # MatchLedger: how far in the past a planned start may lie


CAPABILITY_FIELDS = ("buildX", "buildY", "buildZ", "accuracy", "materialMask", "colourMask")
"""TwinRegistry.Capability's fields, in order."""


@dataclass(frozen=True, slots=True)
class Capability:
    """A printer's capability summary, as TwinRegistry stores it."""

    build_x: int
    build_y: int
    build_z: int
    accuracy: int
    material_mask: int
    colour_mask: int

    def as_tuple(self) -> tuple[int, int, int, int, int, int]:
        """The TwinRegistry.Capability struct, in field order."""
        return (self.build_x, self.build_y, self.build_z, self.accuracy, self.material_mask, self.colour_mask)


@dataclass(frozen=True, slots=True)
class Part:
    """What an order asks for, as far as the constraints look at it."""

    size_u: int
    size_v: int
    size_w: int
    material: int
    colour: int
    accuracy: int


@dataclass(frozen=True)
class Catalogue:
    """The material and colour catalogue: code → display name (as TwinRegistry's CatalogueEntryAdded events and the
    deployment parameters give it)."""

    materials: dict[int, str] = field(default_factory=dict)
    colours: dict[int, str] = field(default_factory=dict)

    def material_mask(self, names: list[str], where: str) -> int:
        return _mask(self.materials, names, where, "material")

    def colour_mask(self, names: list[str], where: str) -> int:
        return _mask(self.colours, names, where, "colour")

    def all_colours(self) -> int:
        return sum(1 << code for code in self.colours)

    def material_names(self, mask: int) -> list[str]:
        return [name for code, name in sorted(self.materials.items()) if mask >> code & 1]

    def colour_names(self, mask: int) -> list[str]:
        return [name for code, name in sorted(self.colours.items()) if mask >> code & 1]


def _mask(entries: dict[int, str], names: list[str], where: str, what: str) -> int:
    by_name = {name.lower(): code for code, name in entries.items()}
    unknown = [name for name in names if name.lower() not in by_name]
    if unknown:
        known = ", ".join(entries.values()) or "none"
        raise TwinValidationError(
            [f"{where}: {what}(s) {', '.join(map(repr, unknown))} not in the catalogue ({known})"]
        )
    return sum(1 << by_name[name.lower()] for name in names)
