"""Steps 5-6: publish the cart in one `placeOrders` (built and simulated here, sent by the wallet), then follow the
transaction, replacements (sped up in the wallet) included."""

from __future__ import annotations

import time
from typing import Any

from flask import jsonify
from web3.exceptions import TransactionNotFound

from offchain.chain.ordering import OrderChoices, Shipping, prepare_order
from offchain.exceptions import BadRequestError, ConfigError, StlError
from web.auth import signed_in
from web.context import catalogue, platform
from web.customer import bp
from web.errors import json_of_request
from web.store import Publish
from web.transactions import affordable, failure_reason, is_tx_hash, receipt_of


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
    found = _transaction(tx_hash)
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
        if record.nonce is None and (found := _transaction(tx_hash)) is not None:  # first seen now: check it
            if problem := _not_the_call(found, record):
                store.set_publish(publish_id, state="failed", error=f"transaction {tx_hash} is not this "
                                  f"publication's call ({problem}): nothing was published; publish again")  # fmt: skip
                return outcome(address, publish_id)
            store.set_scanned(publish_id, record.scanned or 0, int(found["nonce"]))
            record = store.publish_record(address, publish_id)
            assert record is not None
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


def _transaction(tx_hash: str) -> Any:
    try:
        return platform().chain.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        return None


def _not_the_call(tx: Any, record: Publish) -> str | None:
    """Why transaction `tx` is not the call built for `record` (None when it is): another sender, another contract,
    other calldata."""
    if str(tx["from"]).lower() != record.address.lower():
        return f"it was sent by {tx['from']}, not by {record.address}"
    if str(tx.get("to") or "").lower() != platform().chain.order_book.address.lower():
        return "it is not a call to OrderBook"
    if record.call_data is not None and _hex(tx["input"]) != record.call_data.lower():
        return "its data differ from the cart built here"
    return None


def _hex(data: Any) -> str:
    return data.lower() if isinstance(data, str) else "0x" + bytes(data).hex()


def _replacement(record: Publish) -> tuple[str, bool] | None:
    """When the submitted transaction's nonce was used by another mined transaction (the wallet sped it up or
    cancelled it): that transaction's hash, and whether it makes the same call (a speed-up). Each block is searched
    once: where the search stopped is recorded."""
    w3 = platform().chain.w3
    if record.nonce is None or record.sender is None or record.from_block is None or record.tx_hash is None:
        return None
    if w3.eth.get_transaction_count(record.sender, "latest") <= record.nonce:  # type: ignore[arg-type]
        return None  # still pending
    head = platform().chain.head()
    first = max(record.from_block - 1, (record.scanned or 0) + 1, 0)
    for number in range(first, head + 1):
        for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]:
            found: Any = tx
            if str(found["from"]).lower() == record.sender.lower() and int(found["nonce"]) == record.nonce:
                new_hash = "0x" + bytes(found["hash"]).hex()
                same = _not_the_call(found, record) is None
                return new_hash, same
    platform().store.set_scanned(record.id, head)
    return None
