"""My orders: the table (from the chain index), the SSE stream, cancel, and the shipping data for the matched
printer's owner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Response, jsonify, render_template

from offchain.exceptions import BadRequestError, RoleRequiredError
from offchain.types import OrderStatus
from web.customer import api, bp
from web.customer.publish import outcome
from web.platform.auth import live_stream, signed_in
from web.platform.context import platform
from web.platform.events import sse
from web.platform.shipping import RETENTION_DAYS
from web.platform.transactions import affordable

SHIPPING_STATUSES = (OrderStatus.MATCHED, OrderStatus.PRINTING, OrderStatus.PRINTED)
"""While the order is in one of these, its matched printer's owner may read where to ship it."""


@bp.post("/orders/<int:order_id>/cancel")
def cancel(order_id: int) -> Any:
    """The `cancelOrder` call for the wallet, simulated first: a refusal (already matched, not yours) comes back
    decoded and the wallet never opens."""
    who = signed_in()
    tx = affordable(lambda: platform().chain.order_book.build_cancel(order_id, sender=who.address), who.address)
    return jsonify(tx=tx.for_wallet(), summary=tx.describe(), order=order_id)


@bp.post("/orders/<int:order_id>/reclaim")
def reclaim(order_id: int) -> Any:
    """The `reclaimStalled` call for the wallet, simulated first: an order its printer holds in Printing past
    3 × the estimate (an hour at least) goes back to the pool as rework, matched first; too early, the refusal says
    from when."""
    who = signed_in()
    build = platform().chain.execution_log.build_reclaim
    tx = affordable(lambda: build(order_id, sender=who.address), who.address)
    return jsonify(tx=tx.for_wallet(), summary=tx.describe(), order=order_id)


@api.get("/orders/<int:order_id>/shipping")
def shipping_of(order_id: int) -> Any:
    """An order's shipping data: to its customer and to the owner of the printer its live match on chain names
    (matched, printing or printed) — nobody else, and nobody after the match is withdrawn, faulted back to rework or
    undone by a reorganisation (read from the contracts, not the index); checked against the salted hash the order
    carries on chain."""
    who = signed_in()
    chain = platform().chain
    record = chain.order_book.order(order_id)
    owner = None
    if record.status in SHIPPING_STATUSES and (twin_id := chain.match_ledger.match(order_id).twin_id):
        owner = chain.twin_registry.twin(twin_id).owner
    if who.address.lower() not in {record.customer.lower(), (owner or "").lower()}:
        raise RoleRequiredError(
            f"only the customer of order {order_id} and the owner of the printer it is matched to see its shipping"
        )
    found = platform().store.shipping_of_order(record.customer, order_id)
    if found is None:
        raise BadRequestError(
            f"order {order_id} was not placed through this site: no shipping data here", field="order"
        )
    if not found:
        raise BadRequestError(
            f"the shipping data of order {order_id} was deleted {RETENTION_DAYS} days after it was printed or "
            "cancelled (only its salted hash stays on chain)", field="order",
        )  # fmt: skip
    on_chain = "0x" + chain.order_book.placed_order(order_id).request.shipping_hash.hex()
    return jsonify(order=order_id, shipping=found["shipping"], verified=found["hash"] == on_chain)


@bp.get("/orders")
def my_orders() -> str:
    who = signed_in()
    return _orders_table(who.address)


@bp.get("/events")
def events() -> Response:
    """Server-Sent Events for the signed-in customer: `orders` — the My orders table, first and again whenever the
    index sees one of their orders change; `publish` — each publication still being followed, first and again when
    its transaction is mined, fails or is replaced (so a page reloaded meanwhile learns the outcome). Capped and
    short-lived (web.platform.streams): the browser re-opens it, and the first events are always the current state."""
    who = signed_in()
    sent: dict[int, str] = {}

    def first() -> Iterator[str]:
        yield sse("orders", _orders_table(who.address))
        yield from _publish_events(who.address, sent)

    def on_message(topic: str, _data: object) -> Iterator[str]:
        if topic.startswith("orders:"):
            yield sse("orders", _orders_table(who.address))
        yield from _publish_events(who.address, sent)

    subscription = platform().broker.subscribe(f"orders:{who.address.lower()}", "blocks")
    return live_stream(who, subscription, first, on_message)


def _publish_events(address: str, sent: dict[int, str]) -> Iterator[str]:
    """A `publish` event for each recent publication being followed (or just resolved) whose state the page has not
    been sent yet."""
    for record in platform().store.publishes(address)[:10]:
        if record.state != "submitted" and record.id not in sent:
            continue
        state = outcome(address, record.id)
        marker = f"{state['state']}:{state['hash']}"
        if sent.get(record.id) != marker:
            sent[record.id] = marker
            yield sse("publish", json.dumps(state).replace("<", "\\u003c"))


def _overdue(order_id: int, now: int) -> bool:
    """Whether the customer may take a Printing order back now (its print far past its estimate)."""
    deadline = platform().chain.execution_log.reclaim_deadline(order_id)
    return 0 < deadline <= now


def _orders_table(address: str) -> str:
    catalogue = platform().chain.twin_registry.catalogue()
    waiting = platform().matcher_report.reasons()
    orders = platform().index.orders_of(address)
    # the chain's clock, what the contract checks a reclaim against (read only when some order is printing)
    now = platform().chain.timestamp() if any(o.status == OrderStatus.PRINTING for o in orders) else 0
    rows = [
        {
            "id": o.order_id,
            "status": o.status.name.title(),
            "material": catalogue.materials.get(o.material, o.material),
            "colour": catalogue.colours.get(o.colour, o.colour),
            "quantity": o.quantity,
            "due": o.due_date,
            "tx": o.placed_tx,
            "twin": o.twin_id,
            "planned_start": o.planned_start,
            "cancellable": o.status == OrderStatus.PLACED,
            "reclaimable": o.status == OrderStatus.PRINTING and _overdue(o.order_id, now),
            "waiting": waiting.get(o.order_id) if o.status in (OrderStatus.PLACED, OrderStatus.REWORK) else None,
        }
        for o in orders
    ]
    return render_template("customer/orders.html", orders=rows, indexed=platform().index.block)
