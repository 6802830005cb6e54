"""Steps 5-6: publish the cart in one `placeOrders` (built and simulated here, sent by the wallet), then follow the
transaction, replacements (sped up in the wallet) included."""

from __future__ import annotations

import time
from typing import Any

from flask import jsonify

from offchain.chain.transactions import hex_of
from offchain.exceptions import BadRequestError, ConfigError, StlError
from offchain.services.ordering import OrderChoices, Shipping, prepare_order
from web.customer import bp
from web.platform.auth import signed_in
from web.platform.context import catalogue, platform
from web.platform.errors import json_of_request
from web.platform.store import Publish
from web.platform.transactions import affordable, is_tx_hash


@bp.post("/publish")
def publish() -> Any:
    """Uploads the cart's designs to the private IPFS swarm and builds the one `placeOrders` call (simulated, so a
    refusal is shown before the wallet opens); the wallet sends it, then `POST /customer/publish/<id>/submitted`."""
    who = signed_in()
    store, chain = platform().store, platform().chain
    cart = store.cart(who.address)
    if not cart:
        raise BadRequestError("the cart is empty: add a design first", field="cart")
    shipping_data = store.shipping(who.address)
    if shipping_data is None:
        raise BadRequestError("give the shipping information first", field="shipping")
    shipping = Shipping.new(shipping_data)
    names = catalogue()
    now = int(time.time())
    requests = []
    for line in cart:
        c = line.choices
        choices = OrderChoices(
            c["material"], c["colour"], c["accuracy_um"], c["quantity"], c["priority"], c["due_date"]
        )
        try:
            prepared = prepare_order(
                platform().designs.read(line.design.sha256), choices, shipping, names, platform().storage, now=now
            )
        except (ConfigError, StlError) as err:
            raise BadRequestError(f"{line.design.name}: {err}", field="cart") from None
        requests.append(prepared.request)
    tx = affordable(lambda: chain.order_book.build_place_cart(requests, sender=who.address), who.address)
    lines = [{"line": line.id, "design": line.design.name, **line.choices, "cid": r.design_cid}
             for line, r in zip(cart, requests, strict=True)]  # fmt: skip
    publish_id = store.add_publish(who.address, lines, shipping.to_json(), tx.data)
    return jsonify(publish=publish_id, tx=tx.for_wallet(), summary=tx.describe(), lines=lines)


@bp.post("/publish/<int:publish_id>/submitted")
def submitted(publish_id: int) -> Any:
    """The wallet sent the publication's transaction: follow `hash`. A transaction the node already knows must be
    this very call — sent by the signed-in account to OrderBook with the calldata built here — or it is refused and
    nothing is recorded; one the node does not know yet is checked the same way as soon as it is seen."""
    who = signed_in()
    record = platform().store.publish_record(who.address, publish_id)
    if record is None:
        raise BadRequestError(f"no publication {publish_id} of yours", field="publish")
    body = json_of_request()
    tx_hash = str(body.get("hash", "")) if isinstance(body, dict) else ""
    if not is_tx_hash(tx_hash):
        raise BadRequestError(f"not a transaction hash: {tx_hash[:80]!r}", field="hash")
    chain = platform().chain
    found = chain.transactions.transaction(tx_hash)
    if found is not None and (problem := _not_the_call(found, record)):
        raise BadRequestError(f"transaction {tx_hash} is not this publication's call: {problem}", field="hash")
    nonce = int(found["nonce"]) if found is not None else None  # not seen by our node (yet): checked once it is
    platform().store.set_submitted(publish_id, tx_hash.lower(), who.address, nonce, chain.head())
    return jsonify(outcome(who.address, publish_id))


@bp.get("/publish/<int:publish_id>")
def publish_state(publish_id: int) -> Any:
    """The publication's state, the chain asked when it is still submitted (so it is right after a reload too)."""
    who = signed_in()
    if platform().store.publish_record(who.address, publish_id) is None:
        raise BadRequestError(f"no publication {publish_id} of yours", field="publish")
    return jsonify(outcome(who.address, publish_id))


def outcome(address: str, publish_id: int) -> dict[str, Any]:
    store, chain = platform().store, platform().chain
    record = store.publish_record(address, publish_id)
    assert record is not None
    if record.state == "submitted" and record.tx_hash:
        tx_hash = record.tx_hash
        if (
            record.nonce is None and (found := chain.transactions.transaction(tx_hash)) is not None
        ):  # first seen now: check it
            if problem := _not_the_call(found, record):
                store.set_publish(publish_id, state="failed", error=f"transaction {tx_hash} is not this "
                                  f"publication's call ({problem}): nothing was published; publish again")  # fmt: skip
                return outcome(address, publish_id)
            store.set_scanned(publish_id, record.scanned or 0, int(found["nonce"]))
            record = store.publish_record(address, publish_id)
            assert record is not None
        receipt = chain.transactions.receipt(tx_hash)
        if receipt is None and (replacement := _replacement(record)) is not None:
            new_hash, same_call = replacement
            if not same_call:
                store.set_publish(publish_id, state="failed", error="the wallet replaced the transaction by another "
                                  f"one ({new_hash}): nothing was published; publish again")  # fmt: skip
                return outcome(address, publish_id)
            store.set_replaced(publish_id, new_hash, tx_hash)
            tx_hash = new_hash
            receipt = chain.transactions.receipt(tx_hash)
        if receipt is not None:
            if int(receipt["status"]) == 1:
                orders = chain.order_book.placed_ids(receipt)
                store.set_publish(publish_id, state="mined", orders=orders)
                store.remove_lines(address, [int(line["line"]) for line in record.lines])
            else:
                store.set_publish(publish_id, state="failed", error=str(chain.transactions.failure(tx_hash, receipt)))
            record = store.publish_record(address, publish_id)
            assert record is not None
    return {"publish": record.id, "state": record.state, "hash": record.tx_hash, "orders": record.orders,
            "error": record.error, "replaced": record.replaced}  # fmt: skip


def _not_the_call(tx: Any, record: Publish) -> str | None:
    """Why transaction `tx` is not the call built for `record` (None when it is): another sender, another contract,
    other calldata."""
    if str(tx["from"]).lower() != record.address.lower():
        return f"it was sent by {tx['from']}, not by {record.address}"
    if str(tx.get("to") or "").lower() != platform().chain.order_book.address.lower():
        return "it is not a call to OrderBook"
    if record.call_data is not None and hex_of(tx["input"]) != record.call_data.lower():
        return "its data differ from the cart built here"
    return None


def _replacement(record: Publish) -> tuple[str, bool] | None:
    """When the submitted transaction's nonce was used by another mined transaction (the wallet sped it up or
    cancelled it): that transaction's hash, and whether it makes the same call (a speed-up). Each block is searched
    once: where the search stopped is recorded."""
    transactions = platform().chain.transactions
    if record.nonce is None or record.sender is None or record.from_block is None or record.tx_hash is None:
        return None
    if transactions.nonce(record.sender) <= record.nonce:
        return None  # still pending
    head = platform().chain.head()
    found = transactions.replacement(
        record.sender, record.nonce, max(record.from_block - 1, (record.scanned or 0) + 1), head
    )
    if found is not None:
        return hex_of(found["hash"]), _not_the_call(found, record) is None
    platform().store.set_scanned(record.id, head)
    return None
