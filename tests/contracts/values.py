"""Default values for contract tests: catalogue, a typical printer capability and a typical order."""

from __future__ import annotations

from typing import Any

from offchain.chain.requests import SAMPLE_ORDER
from offchain.chain.requests import order_request as build_order_request
from offchain.types import CAPABILITY_FIELDS

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

DEFAULT_ORDER: dict[str, Any] = {**SAMPLE_ORDER, "designCid": "bafkreidesignstl", "dueDate": 0}  # due date: fixture


def capability_tuple(**fields: int) -> tuple[int, ...]:
    """A Capability struct as a tuple, defaults overridden by `fields`."""
    merged = {**DEFAULT_CAPABILITY, **fields}
    return tuple(merged[name] for name in CAPABILITY_FIELDS)


def order_request(**fields: Any) -> tuple[Any, ...]:
    """An OrderRequest struct as a tuple, defaults overridden by `fields`."""
    return build_order_request(**{**DEFAULT_ORDER, **fields})
