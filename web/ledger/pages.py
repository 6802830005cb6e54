"""The ledger explorer's pages: home, search, block, transaction, address, order, twin."""

from __future__ import annotations

import re
from typing import Any, cast

from flask import redirect, render_template, request, url_for
from web3 import Web3
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from offchain.chain.roles import roles_of
from offchain.chain.transactions import hex_of
from offchain.exceptions import BadRequestError, OrderNotFoundError
from web.ledger import bp
from web.platform.context import platform
from web.platform.transactions import is_tx_hash


@bp.get("/")
def home() -> str:
    index = platform().index
    return render_template(
        "ledger/home.html", blocks=index.blocks(20), transactions=index.transactions(20), head=platform().chain.head()
    )


@bp.get("/search")
def search() -> Response:
    """A transaction or block hash, an address, `order 12` / `#12`, `twin 3`, or a block number."""
    query = (request.args.get("q") or "").strip()
    if re.fullmatch(r"0x[0-9a-fA-F]{64}", query):
        if platform().chain.transactions.transaction(query) is not None:
            return redirect(url_for("ledger.transaction", tx_hash=query.lower()))
        return redirect(url_for("ledger.block", number=query.lower()))
    if Web3.is_address(query):
        return redirect(url_for("ledger.address", account=Web3.to_checksum_address(query)))
    if found := re.fullmatch(r"(?:order\s*|#)(\d+)", query, re.IGNORECASE):
        return redirect(url_for("ledger.order", order_id=int(found.group(1))))
    if found := re.fullmatch(r"twin\s*(\d+)", query, re.IGNORECASE):
        return redirect(url_for("ledger.twin", twin_id=int(found.group(1))))
    if found := re.fullmatch(r"(?:block\s*)?(\d+)", query, re.IGNORECASE):
        return redirect(url_for("ledger.block", number=found.group(1)))
    raise BadRequestError(
        f"nothing to search for in {query!r}: give a transaction or block hash, an address, 'order 12', 'twin 3' or a "
        "block number",
        field="q",
    )


@bp.get("/block/<number>")
def block(number: str) -> str:
    reader = platform().chain.transactions
    found = reader.block(int(number) if number.isdigit() else number, full=True)
    if found is None:
        raise NotFound(f"no block {number} on this chain")
    transactions = []
    for tx in cast(list[Any], found["transactions"]):
        call = reader.call_of(tx)
        to = tx.get("to")
        transactions.append({"hash": hex_of(tx["hash"]), "from": tx["from"],
                             "to": reader.name_of(to) or to or "contract creation",
                             "function": call.label if call else ""})  # fmt: skip
    return render_template(
        "ledger/block.html", block=found, hash=hex_of(found["hash"]), signer=reader.signer_of(found),
        transactions=transactions,
    )  # fmt: skip


@bp.get("/tx/<tx_hash>")
def transaction(tx_hash: str) -> str:
    reader = platform().chain.transactions
    if not is_tx_hash(tx_hash):
        raise NotFound(f"{tx_hash!r} is not a transaction hash")
    tx = reader.transaction(tx_hash)
    if tx is None:
        raise NotFound(f"no transaction {tx_hash} on this chain")
    receipt = reader.receipt(tx_hash)
    call = reader.call_of(tx)
    return render_template(
        "ledger/tx.html",
        tx=tx,
        hash=tx_hash,
        to_name=reader.name_of(tx.get("to")) or "",
        function=call.label if call else "",
        arguments=call.arguments if call else {},
        receipt=receipt,
        events=[vars(e) for e in reader.decode_logs(receipt)] if receipt else [],
        outcome=reader.outcome(tx_hash) if receipt is not None and int(receipt["status"]) != 1 else None,
    )


@bp.get("/address/<account>")
def address(account: str) -> str:
    if not Web3.is_address(account):
        raise NotFound(f"{account!r} is not an address")
    who = Web3.to_checksum_address(account)
    chain = platform().chain
    contract = chain.transactions.name_of(who)
    return render_template(
        "ledger/address.html",
        account=who,
        contract=contract,
        roles=[] if contract else roles_of(chain, who),
        balance=chain.transactions.balance(who),
        orders=platform().index.orders_of(who),
    )


@bp.get("/order/<int:order_id>")
def order(order_id: int) -> str:
    chain = platform().chain
    try:
        record = chain.order_book.order(order_id)
    except OrderNotFoundError:
        raise NotFound(f"no order {order_id} on this chain") from None
    catalogue = chain.twin_registry.catalogue()
    return render_template(
        "ledger/order.html", order=record, timeline=platform().index.timeline(order_id), catalogue=catalogue
    )


@bp.get("/twin/<int:twin_id>")
def twin(twin_id: int) -> str:
    chain = platform().chain
    if not 1 <= twin_id <= chain.twin_registry.count():
        raise NotFound(f"no twin {twin_id} on this chain")
    return render_template(
        "ledger/twin.html",
        twin=chain.twin_registry.twin(twin_id),
        events=platform().index.subject_events(f"twin:{twin_id}"),
        catalogue=chain.twin_registry.catalogue(),
    )
