"""Steps 5-6: publish the cart in one `placeOrders` (built and simulated here, sent by the wallet), then follow the
transaction, replacements (sped up in the wallet) included."""

from __future__ import annotations

import time
from typing import Any

from flask import jsonify, request
from web3.exceptions import TransactionNotFound

from offchain.chain.ordering import OrderChoices, Shipping, prepare_order
from offchain.exceptions import BadRequestError, ConfigError, StlError
from web.auth import signed_in
from web.context import catalogue, platform
from web.customer import bp
from web.store import Publish
from web.transactions import affordable, failure_reason, known, receipt_of


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
    publish_id = store.add_publish(who.address, lines, shipping.to_json())
    return jsonify(publish=publish_id, tx=tx.for_wallet(), summary=tx.describe(), lines=lines)


@bp.post("/publish/<int:publish_id>/submitted")
def submitted(publish_id: int) -> Any:
    who = signed_in()
    record = platform().store.publish_record(who.address, publish_id)
    if record is None:
        raise BadRequestError(f"no publication {publish_id} of yours", field="publish")
    body = request.get_json(silent=True) or {}
    tx_hash = str(body.get("hash", ""))
    if len(tx_hash) != 66 or not tx_hash.startswith("0x"):
        raise BadRequestError(f"not a transaction hash: {tx_hash!r}", field="hash")
    chain = platform().chain
    try:
        nonce: int | None = int(chain.w3.eth.get_transaction(tx_hash)["nonce"])  # type: ignore[arg-type]
    except TransactionNotFound:
        nonce = None  # not seen by our node (yet): followed by hash alone
    platform().store.set_submitted(publish_id, tx_hash, who.address, nonce, chain.head())
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
        receipt = receipt_of(tx_hash)
        if receipt is None and (replacement := _replacement(record)) is not None:
            new_hash, same_call = replacement
            if not same_call:
                store.set_publish(publish_id, state="failed", error="the wallet replaced the transaction by another "
                                  f"one ({new_hash}): nothing was published; publish again")  # fmt: skip
                return outcome(address, publish_id)
            store.set_replaced(publish_id, new_hash, tx_hash)
            tx_hash = new_hash
            receipt = receipt_of(tx_hash)
        if receipt is not None:
            if int(receipt["status"]) == 1:
                orders = chain.order_book.placed_ids(receipt)
                store.set_publish(publish_id, state="mined", orders=orders)
                store.remove_lines(address, [int(line["line"]) for line in record.lines])
            else:
                store.set_publish(publish_id, state="failed", error=failure_reason(tx_hash, receipt))
            record = store.publish_record(address, publish_id)
            assert record is not None
    return {"publish": record.id, "state": record.state, "hash": record.tx_hash, "orders": record.orders,
            "error": record.error, "replaced": record.replaced}  # fmt: skip


def _replacement(record: Publish) -> tuple[str, bool] | None:
    """When the submitted transaction's nonce was used by another mined transaction (the wallet sped it up or
    cancelled it): that transaction's hash, and whether it makes the same call (a speed-up)."""
    w3 = platform().chain.w3
    if record.nonce is None or record.sender is None or record.from_block is None or record.tx_hash is None:
        return None
    if w3.eth.get_transaction_count(record.sender, "latest") <= record.nonce:  # type: ignore[arg-type]
        return None  # still pending
    original = w3.eth.get_transaction(record.tx_hash) if known(record.tx_hash) else None  # type: ignore[arg-type]
    for number in range(max(0, record.from_block - 1), platform().chain.head() + 1):
        for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]:
            found: Any = tx
            if str(found["from"]).lower() == record.sender.lower() and int(found["nonce"]) == record.nonce:
                new_hash = "0x" + bytes(found["hash"]).hex()
                same = original is None or (found["to"] == original["to"] and found["input"] == original["input"])
                return new_hash, same
    return None
