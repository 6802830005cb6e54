"""Raw OrderBook.OrderRequest tuples (the ABI order of the struct's fields) from named values, for contract tests,
gas figures and benchmarks that call the contracts directly. Everything else uses `records.OrderRequest`."""

from __future__ import annotations

from typing import Any

from offchain.chain.records import ORDER_REQUEST_FIELDS as ORDER_FIELDS

SAMPLE_ORDER: dict[str, Any] = {
    "designDigest": b"\x22" * 32,
    "designCid": "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
    "sizeU": 50_000,  # a 50 × 40 × 30 mm part
    "sizeV": 40_000,
    "sizeW": 30_000,
    "material": 0,
    "colour": 0,
    "accuracy": 200,
    "quantity": 1,
    "priority": 10,
    "shippingHash": b"\x33" * 32,
}
"""A typical order (everything but the due date), for benchmarks, gas figures and tests."""


def order_request(**fields: Any) -> tuple[Any, ...]:
    """An OrderRequest tuple from all of its fields by name; TypeError names any missing or unknown field."""
    missing = [name for name in ORDER_FIELDS if name not in fields]
    unknown = sorted(set(fields) - set(ORDER_FIELDS))
    if missing or unknown:
        raise TypeError(f"order request: missing {missing}, unknown {unknown}")
    return tuple(fields[name] for name in ORDER_FIELDS)


def sample_order(due_date: int, **overrides: Any) -> tuple[Any, ...]:
    """SAMPLE_ORDER due at `due_date`, with any field overridden."""
    return order_request(**{**SAMPLE_ORDER, "dueDate": due_date, **overrides})
