"""OrderBook: place one order or a cart, cancel, read orders and what OrderPlaced recorded about their design."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from offchain.chain.contract import ContractWrapper, UnsignedTx
from offchain.chain.records import Order, OrderRequest, PlacedOrder
from offchain.exceptions import ImseError, OrderNotFoundError
from offchain.types import MAX_CART_SIZE, OrderStatus


class OrderBook(ContractWrapper):
    NAME = "OrderBook"

    def count(self) -> int:
        return int(self._read("orderCount"))

    def order(self, order_id: int, *, block: int | str = "latest") -> Order:
        """The order's record; OrderNotFoundError when there is none."""
        count = int(self._read("orderCount", block=block))
        if not 1 <= order_id <= count:
            raise OrderNotFoundError(order_id, count)
        return Order.from_abi(order_id, self._read("getOrder", order_id, block=block))

    def status(self, order_id: int, *, block: int | str = "latest") -> OrderStatus:
        return OrderStatus(int(self._read("statusOf", order_id, block=block)))

    def status_writers(self) -> tuple[str, str]:
        """The two contracts that may move order statuses (match writer, execution writer), fixed at deployment."""
        return str(self._read("matchWriter")), str(self._read("executionWriter"))

    def placed(
        self, *, from_block: int | None = None, to_block: int | str = "latest", **filters: Any
    ) -> list[PlacedOrder]:
        """OrderPlaced events (filter by `orderId` or `customer`)."""
        return [
            PlacedOrder(
                int(a["orderId"]), str(a["customer"]), OrderRequest.from_abi(a["request"]), int(log["blockNumber"]),
                "0x" + bytes(log["transactionHash"]).hex(),
            )
            for log in self.logs("OrderPlaced", from_block=from_block, to_block=to_block, **filters)
            for a in (log["args"],)
        ]  # fmt: skip

    def placed_order(self, order_id: int) -> PlacedOrder:
        found = self.placed(orderId=order_id)
        if not found:
            raise OrderNotFoundError(order_id, self.count())
        return found[0]

    def history(self, order_id: int) -> list[tuple[int, OrderStatus, OrderStatus]]:
        """(block, from, to) of every status change of the order."""
        return [
            (int(log["blockNumber"]), OrderStatus(int(log["args"]["from"])), OrderStatus(int(log["args"]["to"])))
            for log in self.logs("OrderStatusChanged", orderId=order_id)
        ]

    def build_place(self, request: OrderRequest, *, sender: str) -> UnsignedTx:
        return self._build("placeOrder", request.as_tuple(), sender=sender)

    def build_place_cart(self, requests: Sequence[OrderRequest], *, sender: str) -> UnsignedTx:
        if not 1 <= len(requests) <= MAX_CART_SIZE:
            raise ImseError(f"a cart holds 1..{MAX_CART_SIZE} orders, not {len(requests)}")
        return self._build("placeOrders", [r.as_tuple() for r in requests], sender=sender)

    def build_cancel(self, order_id: int, *, sender: str) -> UnsignedTx:
        return self._build("cancelOrder", order_id, sender=sender)

    def placed_ids(self, receipt: Any) -> list[int]:
        """The order ids a placeOrder / placeOrders receipt created, in cart order."""
        return [int(log["args"]["orderId"]) for log in self.events_of(receipt, "OrderPlaced")]
