"""What the matcher reads from the chain, through the SDK's wrappers: pending orders, printer states, twin documents.

Order status is always read from OrderBook itself; events only say which orders to look at. So a duplicate or
replayed event, a restart or a reorg can never make the bot match an order that is not waiting for a match.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from offchain.chain.connection import Chain
from offchain.chain.records import OrderRequest
from offchain.exceptions import ConfigError, ImseError
from offchain.matching.model import PendingOrder, PrinterState, shift_intervals
from offchain.storage.base import Storage, fetch_verified
from offchain.types import OrderStatus, TwinKind

log = logging.getLogger("imse.matcher")

MATCHABLE = (OrderStatus.PLACED, OrderStatus.REWORK)


@dataclass(frozen=True)
class OrderInfo:
    """What OrderPlaced said about an order that the chain's Order record does not keep."""

    design_cid: str
    design_digest: bytes

    @classmethod
    def of(cls, request: OrderRequest) -> OrderInfo:
        return cls(request.design_cid, request.design_digest)


class ChainView:
    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self._documents: dict[bytes, dict[str, Any]] = {}

    # ------------------------------------------------------------------------------------------ orders

    def placed_info(self, order_ids: set[int]) -> dict[int, OrderInfo]:
        """OrderPlaced details of specific orders (orders back in Rework, known only by id)."""
        found: dict[int, OrderInfo] = {}
        for order_id in sorted(order_ids):
            placed = self.chain.order_book.placed(orderId=order_id)
            if placed:
                found[order_id] = OrderInfo.of(placed[0].request)
        return found

    def status(self, order_id: int, *, block: int | str = "latest") -> OrderStatus:
        return self.chain.order_book.status(order_id, block=block)

    def live_matches(self, twin_id: int) -> list[int]:
        """Orders matched to the twin and not yet printing (those a change of the twin can strand)."""
        book, ledger = self.chain.order_book, self.chain.match_ledger
        orders = {int(args["orderId"]) for _block, args in ledger.matched(twinId=twin_id)}
        return sorted(o for o in orders if book.status(o) == OrderStatus.MATCHED and ledger.match(o).twin_id == twin_id)

    def is_stranded(self, order_id: int) -> bool:
        return self.chain.match_ledger.is_stranded(order_id)

    def pending_order(self, order_id: int, seconds_per_copy: int) -> PendingOrder | None:
        """The order as the engine takes it (its time: the copies' sliced time, at least a second), or None when the
        head says it is no longer waiting for a match."""
        o = self.chain.order_book.order(order_id)
        if o.status not in MATCHABLE:
            return None
        return PendingOrder(
            order_id=order_id,
            customer=o.customer,
            size_u=o.size_u,
            size_v=o.size_v,
            size_w=o.size_w,
            material=o.material,
            colour=o.colour,
            accuracy=o.accuracy,
            quantity=o.quantity,
            priority=o.priority,
            due_date=o.due_date,
            placed_at=o.placed_at,
            estimated_seconds=max(1, seconds_per_copy * o.quantity),
            rework=o.status == OrderStatus.REWORK,
            importance=self.chain.match_ledger.importance(o.customer),
        )

    # ------------------------------------------------------------------------------------------ printers

    def printers(self, storage: Storage, now: int, window_hours: float, busy: dict[int, int]) -> list[PrinterState]:
        """Every printer twin with its capability, status and shifts (from its document on IPFS, verified)."""
        states = []
        for twin in self.chain.twin_registry.twins():
            if twin.kind != TwinKind.PRINTER:
                continue
            document = self.twin_document(storage, twin.twin_id, twin.spec_digest)
            capacity = document.get("capacity", {}) if document else {}
            try:
                shifts = (
                    shift_intervals(
                        capacity["shifts"], now, now + round(window_hours * 3600), capacity.get("timezone", "UTC")
                    )
                    if capacity.get("shifts")
                    else ()
                )
                states.append(
                    PrinterState(
                        twin_id=twin.twin_id,
                        capability=twin.capability,
                        status=twin.status,
                        shifts=shifts,
                        busy_until=busy.get(twin.twin_id, 0),
                        availability=capacity.get("availability", 1.0),
                    )
                )
            except ConfigError as err:  # one printer's unusable document must not stop matching for the others
                log.warning("printer twin %d left out of planning: %s", twin.twin_id, err)
        return states

    def current_document(self, storage: Storage, twin_id: int) -> dict[str, Any] | None:
        return self.twin_document(storage, twin_id, self.chain.twin_registry.twin(twin_id).spec_digest)

    def twin_document(self, storage: Storage, twin_id: int, digest: bytes) -> dict[str, Any] | None:
        """The twin's document with `digest` (cached), or None when it cannot be found, fetched and verified."""
        if digest not in self._documents:
            try:
                cid = self.chain.twin_registry.current_cid(twin_id, digest)
                self._documents[digest] = json.loads(fetch_verified(storage, cid, digest))
            except (ImseError, ValueError):
                return None
        return self._documents[digest]
