"""What the matcher reads from the chain, through the SDK's wrappers: pending orders, printer states, twin documents.

Order status is always read from OrderBook itself; events only say which orders to look at. So a duplicate or
replayed event, a restart or a reorg can never make the bot match an order that is not waiting for a match.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from offchain.chain.connection import Chain
from offchain.chain.records import OrderRequest, TwinRecord
from offchain.exceptions import ImseError, TwinValidationError
from offchain.matching.model import PendingOrder, PrinterState, shift_intervals
from offchain.storage.base import Storage, fetch_verified
from offchain.twins.schema import MAX_DOCUMENT_BYTES, validate
from offchain.types import OrderStatus, TwinKind, TwinStatus

log = logging.getLogger("imse.matcher")

MATCHABLE = (OrderStatus.PLACED, OrderStatus.REWORK)
DOCUMENT_RETRY_FIRST = 30.0  # seconds before a twin document that failed is tried again; doubles per failure
DOCUMENT_RETRY_MAX = 1800.0
DOCUMENT_MAX_BYTES = MAX_DOCUMENT_BYTES + 1024  # the schema's limit on canonical JSON, and some slack


@dataclass(frozen=True)
class OrderInfo:
    """What OrderPlaced said about an order that the chain's Order record does not keep."""

    design_cid: str
    design_digest: bytes

    @classmethod
    def of(cls, request: OrderRequest) -> OrderInfo:
        return cls(request.design_cid, request.design_digest)


class ChainView:
    def __init__(self, chain: Chain, clock: Callable[[], float] = time.monotonic) -> None:
        self.chain = chain
        self._documents: dict[bytes, dict[str, Any]] = {}
        self._failed_documents: dict[bytes, tuple[float, float]] = {}  # digest → (retry at, next delay)
        self._document_errors: dict[bytes, str] = {}
        self._clock = clock

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
        """Every printer twin with its capability, status and shifts (from its document on IPFS, verified against
        its digest and validated against the printer schema).

        A twin that cannot print (retired, offline, in maintenance, busy) is listed without fetching its document —
        the engine reports it excluded by its status. An available printer whose document cannot be fetched, does
        not verify or is not a valid printer document is left out with a warning naming it: one printer's bad or
        missing document never stops planning for the others."""
        states = []
        for twin in self.chain.twin_registry.twins():
            if twin.kind != TwinKind.PRINTER or twin.status == TwinStatus.RETIRED:
                continue
            try:
                states.append(self._printer_state(storage, twin, now, window_hours, busy))
            except Exception as err:  # any failure of one printer's data: that printer alone is left out
                log.warning("printer twin %d left out of planning: %s", twin.twin_id, str(err)[:300])
        return states

    def _printer_state(
        self, storage: Storage, twin: TwinRecord, now: int, window_hours: float, busy: dict[int, int]
    ) -> PrinterState:
        capacity: dict[str, Any] = {}
        if twin.status == TwinStatus.AVAILABLE:
            document = self.twin_document(storage, twin.twin_id, twin.spec_digest)
            if document is None:
                raise ImseError(f"its document cannot be used: {self._document_errors.get(twin.spec_digest, '?')}")
            capacity = document.get("capacity", {})
        shifts = capacity.get("shifts")
        return PrinterState(
            twin_id=twin.twin_id,
            capability=twin.capability,
            status=twin.status,
            shifts=shift_intervals(shifts, now, now + round(window_hours * 3600), capacity.get("timezone", "UTC"))
            if shifts
            else (),
            busy_until=busy.get(twin.twin_id, 0),
            availability=capacity.get("availability", 1.0),
        )

    def current_document(self, storage: Storage, twin_id: int) -> dict[str, Any] | None:
        return self.twin_document(storage, twin_id, self.chain.twin_registry.twin(twin_id).spec_digest)

    def twin_document(self, storage: Storage, twin_id: int, digest: bytes) -> dict[str, Any] | None:
        """The twin's document with `digest` (cached), or None when it cannot be found, fetched, verified or is not
        a valid printer document. A failure is remembered per digest and not retried before its back-off (30 s
        doubling to 30 min), so an unfetchable document costs one storage timeout per back-off, not one per cycle."""
        if digest in self._documents:
            return self._documents[digest]
        now = self._clock()
        if digest in self._failed_documents and now < self._failed_documents[digest][0]:
            return None
        try:
            cid = self.chain.twin_registry.current_cid(twin_id, digest)
            document = json.loads(fetch_verified(storage, cid, digest, max_bytes=MAX_DOCUMENT_BYTES + 1024))
            if validate(document) != "printer":
                raise TwinValidationError(
                    [f"kind: a printer twin's document must be a printer, not {document['kind']}"]
                )
        except (ImseError, ValueError) as err:  # TwinValidationError and JSON errors are ValueErrors
            delay = self._failed_documents[digest][1] if digest in self._failed_documents else DOCUMENT_RETRY_FIRST
            self._failed_documents[digest] = (now + delay, min(DOCUMENT_RETRY_MAX, delay * 2))
            self._document_errors[digest] = str(err)[:300]
            return None
        self._failed_documents.pop(digest, None)
        self._document_errors.pop(digest, None)
        self._documents[digest] = document
        return self._documents[digest]
