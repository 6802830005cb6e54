"""Typed values the contract wrappers return and take: Python mirrors of the interfaces' structs.

Each `from_abi` accepts what web3 decodes a struct into (a tuple in field order, or an attribute dict for event
arguments), so views, events and receipts give the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from offchain.types import CAPABILITY_FIELDS, Capability, OrderStatus, TwinKind, TwinStatus


def _values(value: Any, names: tuple[str, ...]) -> list[Any]:
    """A decoded struct's fields in order, whether it came as a sequence or a mapping."""
    if isinstance(value, dict) or hasattr(value, "keys"):
        return [value[name] for name in names]
    return list(value)


def capability_from(value: Any) -> Capability:
    """A Capability from a decoded TwinRegistry.Capability (tuple, attribute dict, or object with its fields)."""
    if hasattr(value, CAPABILITY_FIELDS[0]):
        return Capability(*(int(getattr(value, name)) for name in CAPABILITY_FIELDS))
    return Capability(*(int(item) for item in _values(value, CAPABILITY_FIELDS)))


@dataclass(frozen=True)
class TwinRecord:
    """A twin's on-chain record (TwinRegistry.getTwin)."""

    twin_id: int
    owner: str
    version: int
    status: TwinStatus
    kind: TwinKind
    updated_at: int
    capability: Capability
    spec_digest: bytes

    @classmethod
    def from_abi(cls, twin_id: int, value: Any) -> TwinRecord:
        owner, version, status, kind, updated, cap, digest = _values(
            value, ("owner", "version", "status", "kind", "updatedAt", "capability", "specDigest")
        )
        return cls(
            twin_id, str(owner), int(version), TwinStatus(int(status)), TwinKind(int(kind)), int(updated),
            capability_from(cap), bytes(digest),
        )  # fmt: skip


ORDER_REQUEST_FIELDS: tuple[str, ...] = (
    "designDigest", "designCid", "sizeU", "sizeV", "sizeW", "material", "colour", "accuracy", "quantity",
    "priority", "dueDate", "shippingHash",
)  # fmt: skip


@dataclass(frozen=True)
class OrderRequest:
    """What a customer asks for (IOrderBook.OrderRequest). Lengths in µm, due date in unix seconds."""

    design_digest: bytes
    design_cid: str
    size_u: int
    size_v: int
    size_w: int
    material: int
    colour: int
    accuracy: int
    quantity: int
    priority: int
    due_date: int
    shipping_hash: bytes

    def as_tuple(self) -> tuple[Any, ...]:
        """The struct in ABI field order."""
        return tuple(getattr(self, f.name) for f in fields(self))

    @classmethod
    def from_abi(cls, value: Any) -> OrderRequest:
        v = _values(value, ORDER_REQUEST_FIELDS)
        u, w_, h, material, colour, accuracy, quantity, priority, due = (int(x) for x in v[2:11])
        return cls(bytes(v[0]), str(v[1]), u, w_, h, material, colour, accuracy, quantity, priority, due, bytes(v[11]))


@dataclass(frozen=True)
class Order:
    """An order's on-chain record (IOrderBook.Order)."""

    order_id: int
    customer: str
    size_u: int
    size_v: int
    size_w: int
    accuracy: int
    quantity: int
    material: int
    colour: int
    priority: int
    status: OrderStatus
    due_date: int
    placed_at: int
    rework_count: int

    @classmethod
    def from_abi(cls, order_id: int, value: Any) -> Order:
        names = ("customer", "sizeU", "sizeV", "sizeW", "accuracy", "quantity", "material", "colour", "priority",
                 "status", "dueDate", "placedAt", "reworkCount")  # fmt: skip
        v = _values(value, names)
        u, w_, h, accuracy, quantity, material, colour, priority = (int(x) for x in v[1:9])
        return cls(
            order_id, str(v[0]), u, w_, h, accuracy, quantity, material, colour, priority, OrderStatus(int(v[9])),
            int(v[10]), int(v[11]), int(v[12]),
        )  # fmt: skip


@dataclass(frozen=True)
class PlacedOrder:
    """What OrderPlaced said about an order (the design is not kept in the Order record)."""

    order_id: int
    customer: str
    request: OrderRequest
    block: int
    tx_hash: str


@dataclass(frozen=True)
class MatchInput:
    """One item of a publishMatches batch (IMatchLedger.MatchInput)."""

    order_id: int
    twin_id: int
    rule_id: int
    rule_version: int
    planned_start: int
    estimated_seconds: int
    gcode_cid: str

    def as_tuple(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class Match:
    """An order's live match (IMatchLedger.Match); twin_id 0 when there is none."""

    order_id: int
    twin_id: int
    rule_id: int
    rule_version: int
    planned_start: int
    estimated_seconds: int
    batch_id: int

    @classmethod
    def from_abi(cls, order_id: int, value: Any) -> Match:
        names = ("twinId", "ruleId", "ruleVersion", "plannedStart", "estimatedSeconds", "batchId")
        return cls(order_id, *(int(x) for x in _values(value, names)))


@dataclass(frozen=True)
class Task:
    """An order's printing task (IExecutionLog.Task); zero fields when not yet assigned / started / finished."""

    order_id: int
    operator: str
    started_at: int
    finished_at: int
    anchors: int

    @classmethod
    def from_abi(cls, order_id: int, value: Any) -> Task:
        operator, started, finished, anchors = _values(value, ("operator", "startedAt", "finishedAt", "anchors"))
        return cls(order_id, str(operator), int(started), int(finished), int(anchors))


@dataclass(frozen=True)
class Rule:
    """A registered rule version (RuleRegistered)."""

    rule_id: int
    version: int
    name: str
    spec_digest: bytes
    spec_cid: str
