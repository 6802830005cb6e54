"""What the matcher reads from the chain (web3.py): pending orders, printer states, rules, and events.

Order status is always read from OrderBook itself; events only say which orders to look at. So a duplicate or
replayed event, a restart or a reorg can never make the bot match an order that is not waiting for a match.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from offchain.chain.connection import Chain
from offchain.chain.registry import Registry
from offchain.exceptions import ImseError
from offchain.matching.model import PendingOrder, PrinterState, shift_intervals
from offchain.storage.base import Storage, fetch_verified
from offchain.types import Capability, OrderStatus, TwinKind, TwinStatus

MATCHABLE = (OrderStatus.PLACED, OrderStatus.REWORK)


@dataclass
class OrderInfo:
    """What OrderPlaced said about an order that the chain's Order record does not keep."""

    design_cid: str
    design_digest: bytes


def _info(request: Any) -> OrderInfo:
    """OrderInfo from a decoded OrderRequest (web3 gives structs as attribute dicts)."""
    return OrderInfo(str(request["designCid"]), bytes(request["designDigest"]))


class ChainView:
    def __init__(self, w3: Web3, registry: Registry) -> None:
        self.chain = Chain(w3, registry)
        self.w3 = self.chain.w3
        self.registry = registry
        self.from_block = self.chain.from_block
        self.order_book = self.chain.contract("OrderBook")
        self.match_ledger = self.chain.contract("MatchLedger")
        self.twin_registry = self.chain.contract("TwinRegistry")
        self._documents: dict[bytes, dict[str, Any]] = {}

    # ------------------------------------------------------------------------------------------ blocks

    def head(self) -> int:
        return int(self.w3.eth.block_number)

    def block_hash(self, number: int) -> str:
        return "0x" + bytes(self.w3.eth.get_block(number)["hash"]).hex()

    def signer_count(self) -> int:
        return self.chain.signer_count()

    # ------------------------------------------------------------------------------------------ events

    def order_events(self, start: int, stop: int) -> tuple[dict[int, OrderInfo], set[int]]:
        """Orders placed in blocks start..stop (with their design), and orders that moved back to Rework."""
        placed = {
            int(log["args"]["orderId"]): _info(log["args"]["request"])
            for log in self.order_book.events.OrderPlaced.get_logs(from_block=start, to_block=stop)
        }
        rework = {
            int(log["args"]["orderId"])
            for log in self.order_book.events.OrderStatusChanged.get_logs(
                from_block=start, to_block=stop, argument_filters={"to": int(OrderStatus.REWORK)}
            )
        }
        return placed, rework

    def placed_info(self, order_ids: set[int]) -> dict[int, OrderInfo]:
        """OrderPlaced details of specific orders (after a restart, for orders known only by id)."""
        found: dict[int, OrderInfo] = {}
        for order_id in order_ids:
            logs = self.order_book.events.OrderPlaced.get_logs(
                from_block=self.from_block, to_block="latest", argument_filters={"orderId": order_id}
            )
            if logs:
                found[order_id] = _info(logs[0]["args"]["request"])
        return found

    def busy_until(self) -> dict[int, int]:
        """Per printer, when the work matched to it and not yet finished ends (planned start + estimate)."""
        ends: dict[int, int] = {}
        for log in self.match_ledger.events.OrderMatched.get_logs(from_block=self.from_block, to_block="latest"):
            args = log["args"]
            status = OrderStatus(self.order_book.functions.statusOf(args["orderId"]).call())
            if status in (OrderStatus.MATCHED, OrderStatus.PRINTING):
                end = int(args["plannedStart"]) + int(args["estimatedSeconds"])
                ends[int(args["twinId"])] = max(ends.get(int(args["twinId"]), 0), end)
        return ends

    # ------------------------------------------------------------------------------------------ state

    def status(self, order_id: int) -> OrderStatus:
        return OrderStatus(self.order_book.functions.statusOf(order_id).call())

    def pending_order(self, order_id: int, estimated_seconds: int) -> PendingOrder:
        o = self.order_book.functions.getOrder(order_id).call()
        (customer, u, v, w, accuracy, quantity, material, colour, priority, status, due, placed, _rework) = o
        importance = int(self.match_ledger.functions.customerImportance(customer).call())
        return PendingOrder(
            order_id=order_id,
            customer=customer,
            size_u=u,
            size_v=v,
            size_w=w,
            material=material,
            colour=colour,
            accuracy=accuracy,
            quantity=quantity,
            priority=priority,
            due_date=due,
            placed_at=placed,
            estimated_seconds=estimated_seconds,
            rework=OrderStatus(status) == OrderStatus.REWORK,
            importance=importance,
        )

    def printers(self, storage: Storage, now: int, window_hours: float, busy: dict[int, int]) -> list[PrinterState]:
        """Every printer twin with its capability, status and shifts (from its document on IPFS, verified)."""
        states = []
        for twin_id in range(1, int(self.twin_registry.functions.twinCount().call()) + 1):
            _owner, _version, status, kind, _updated, cap, digest = self.twin_registry.functions.getTwin(twin_id).call()
            if TwinKind(kind) != TwinKind.PRINTER:
                continue
            document = self.twin_document(storage, twin_id, bytes(digest))
            capacity = document.get("capacity", {}) if document else {}
            shifts = (
                shift_intervals(
                    capacity["shifts"], now, now + round(window_hours * 3600), capacity.get("timezone", "UTC")
                )
                if capacity.get("shifts")
                else ()
            )
            states.append(
                PrinterState(
                    twin_id=twin_id,
                    capability=Capability(*cap),
                    status=TwinStatus(status),
                    shifts=shifts,
                    busy_until=busy.get(twin_id, 0),
                    availability=float(capacity.get("availability", 1.0)),
                )
            )
        return states

    def twin_document(self, storage: Storage, twin_id: int, digest: bytes) -> dict[str, Any] | None:
        """The twin's current document (cached by digest), or None when it cannot be fetched and verified."""
        if digest not in self._documents:
            cid = None
            for name in ("TwinUpdated", "TwinPublished"):
                logs = getattr(self.twin_registry.events, name).get_logs(
                    from_block=self.from_block, to_block="latest", argument_filters={"twinId": twin_id}
                )
                for log in logs:
                    if bytes(log["args"]["specDigest"]) == digest:
                        cid = log["args"]["specCid"]
            if cid is None:
                return None
            try:
                self._documents[digest] = json.loads(fetch_verified(storage, cid, digest))
            except (ImseError, ValueError):
                return None
        return self._documents[digest]
