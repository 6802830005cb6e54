"""Default values for contract tests: catalogue, a typical printer capability and a typical order."""

from __future__ import annotations

from typing import Any

MATERIALS = {0: "PLA", 1: "ABS", 2: "PETG", 3: "TPU", 63: "Resin"}
COLOURS = {0: "white", 1: "black", 2: "red", 3: "blue"}

MM = 1000  # µm per millimetre

DEFAULT_CAPABILITY: dict[str, int] = {
    "buildX": 220 * MM,
    "buildY": 200 * MM,
    "buildZ": 250 * MM,
    "accuracy": 100,
    "materialMask": 0b111,  # PLA, ABS, PETG
    "colourMask": 0b111,  # white, black, red
}

DEFAULT_ORDER: dict[str, Any] = {
    "designDigest": b"\x22" * 32,
    "designCid": "bafkreidesignstl",
    "sizeU": 50 * MM,
    "sizeV": 40 * MM,
    "sizeW": 30 * MM,
    "material": 0,
    "colour": 0,
    "accuracy": 200,
    "quantity": 1,
    "priority": 10,
    "dueDate": 0,  # set by the create_order fixture
    "shippingHash": b"\x33" * 32,
}

CAPABILITY_FIELDS = ("buildX", "buildY", "buildZ", "accuracy", "materialMask", "colourMask")
ORDER_FIELDS = tuple(DEFAULT_ORDER)


def capability_tuple(**fields: int) -> tuple[int, ...]:
    """A Capability struct as a tuple, defaults overridden by `fields`."""
    merged = {**DEFAULT_CAPABILITY, **fields}
    return tuple(merged[name] for name in CAPABILITY_FIELDS)


def order_request(**fields: Any) -> tuple[Any, ...]:
    """An OrderRequest struct as a tuple, defaults overridden by `fields`."""
    unknown = set(fields) - set(ORDER_FIELDS)
    if unknown:
        raise TypeError(f"unknown order fields: {sorted(unknown)}")
    merged = {**DEFAULT_ORDER, **fields}
    return tuple(merged[name] for name in ORDER_FIELDS)
