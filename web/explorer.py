"""The ledger explorer (`/explorer`): what the paper showed in Ganache, for the consortium's own chain — the newest
blocks with their clique signer, the platform's transactions with the decoded function and arguments, decoded
events, and a page per address (roles, orders), order (its whole timeline) and twin (its versions). Lists read the
chain index; a single transaction, block or record is read from the node."""

from __future__ import annotations

import re
from typing import Any, cast

from flask import Blueprint, redirect, render_template, request, url_for
from web3 import Web3
from web3.exceptions import BlockNotFound, TransactionNotFound
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from offchain.chain.roles import roles_of
from offchain.exceptions import BadRequestError, OrderNotFoundError
from web.context import platform
from web.index import plain

bp = Blueprint("explorer", __name__, url_prefix="/explorer")


@bp.get("/")
def home() -> str:
    index = platform().index
    return render_template(
        "explorer/home.html", blocks=index.blocks(20), transactions=index.transactions(20), head=platform().chain.head()
    )


@bp.get("/search")
def search() -> Response:
    """A transaction or block hash, an address, `order 12` / `#12`, `twin 3`, or a block number."""
    query = (request.args.get("q") or "").strip()
    if re.fullmatch(r"0x[0-9a-fA-F]{64}", query):
        try:
            platform().chain.w3.eth.get_transaction(query)  # type: ignore[arg-type]
            return redirect(url_for("explorer.transaction", tx_hash=query.lower()))
        except TransactionNotFound:
            return redirect(url_for("explorer.block", number=query.lower()))
    if Web3.is_address(query):
        return redirect(url_for("explorer.address", account=Web3.to_checksum_address(query)))
    if found := re.fullmatch(r"(?:order\s*|#)(\d+)", query, re.IGNORECASE):
        return redirect(url_for("explorer.order", order_id=int(found.group(1))))
    if found := re.fullmatch(r"twin\s*(\d+)", query, re.IGNORECASE):
        return redirect(url_for("explorer.twin", twin_id=int(found.group(1))))
    if found := re.fullmatch(r"(?:block\s*)?(\d+)", query, re.IGNORECASE):
        return redirect(url_for("explorer.block", number=found.group(1)))
    raise BadRequestError(
        f"nothing to search for in {query!r}: give a transaction or block hash, an address, 'order 12', 'twin 3' or a "
        "block number",
        field="q",
    )


@bp.get("/block/<number>")
def block(number: str) -> str:
    w3 = platform().chain.w3
    key: Any = int(number) if number.isdigit() else number
    try:
        found = w3.eth.get_block(key, full_transactions=True)
    except (BlockNotFound, ValueError):
        raise NotFound(f"no block {number} on this chain") from None
    names = _contract_names()
    transactions = [
        {
            "hash": "0x" + bytes(tx["hash"]).hex(),
            "from": tx["from"],
            "to": names.get(str(tx.get("to") or ""), tx.get("to") or "contract creation"),
            "function": _decoded(tx)[0],
        }
        for tx in cast(list[Any], found["transactions"])
    ]
    block_hash = "0x" + bytes(found["hash"]).hex()
    signer = platform().index.block_signer(block_hash, str(found.get("miner", "")))
    return render_template(
        "explorer/block.html", block=found, hash=block_hash, signer=signer, transactions=transactions
    )


@bp.get("/tx/<tx_hash>")
def transaction(tx_hash: str) -> str:
    w3 = platform().chain.w3
    if not re.fullmatch(r"0x[0-9a-fA-F]{64}", tx_hash):
        raise NotFound(f"{tx_hash!r} is not a transaction hash")
    try:
        tx = w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        raise NotFound(f"no transaction {tx_hash} on this chain") from None
    try:
        receipt: Any = w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        receipt = None
    function, arguments = _decoded(tx)
    return render_template(
        "explorer/tx.html",
        tx=tx,
        hash=tx_hash,
        to_name=_contract_names().get(str(tx.get("to") or ""), ""),
        function=function,
        arguments=arguments,
        receipt=receipt,
        events=_events(receipt) if receipt else [],
    )


@bp.get("/address/<account>")
def address(account: str) -> str:
    if not Web3.is_address(account):
        raise NotFound(f"{account!r} is not an address")
    who = Web3.to_checksum_address(account)
    chain = platform().chain
    names = _contract_names()
    return render_template(
        "explorer/address.html",
        account=who,
        contract=names.get(who),
        roles=[] if who in names else roles_of(chain, who),
        balance=chain.w3.eth.get_balance(who),
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
        "explorer/order.html", order=record, timeline=platform().index.timeline(order_id), catalogue=catalogue
    )


@bp.get("/twin/<int:twin_id>")
def twin(twin_id: int) -> str:
    chain = platform().chain
    if not 1 <= twin_id <= chain.twin_registry.count():
        raise NotFound(f"no twin {twin_id} on this chain")
    return render_template(
        "explorer/twin.html",
        twin=chain.twin_registry.twin(twin_id),
        events=platform().index.subject_events(f"twin:{twin_id}"),
        catalogue=chain.twin_registry.catalogue(),
    )


# ---------------------------------------------------------------------------------------------- decoding


def _contract_names() -> dict[str, str]:
    """Checksummed address → contract name, for the platform's four contracts."""
    return {Web3.to_checksum_address(c.address): name for name, c in platform().chain.registry.contracts.items()}


def _decoded(tx: Any) -> tuple[str, dict[str, Any]]:
    """(function, arguments) of a call to one of the platform's contracts; ("", {}) for anything else."""
    to = str(tx.get("to") or "")
    name = _contract_names().get(Web3.to_checksum_address(to) if to else "")
    if not name:
        return "", {}
    try:
        function, arguments = platform().chain.contract(name).decode_function_input(tx.get("input") or tx.get("data"))
    except ValueError:
        return "(unknown function)", {}
    return f"{name}.{function.fn_name}", {k: plain(v) for k, v in arguments.items()}


def _events(receipt: Any) -> list[dict[str, Any]]:
    """The receipt's logs of the platform's contracts, decoded (others listed by address)."""
    names = _contract_names()
    decoded = []
    for log in receipt["logs"]:
        name = names.get(Web3.to_checksum_address(log["address"]))
        entry: dict[str, Any] = {"contract": name or log["address"], "event": "(not a platform contract)", "args": {}}
        if name:
            contract = platform().chain.contract(name)
            for event in contract.events:
                try:
                    found = event().process_log(log)
                except Exception:  # not this event's topic
                    continue
                entry = {
                    "contract": name,
                    "event": found["event"],
                    "args": {k: plain(v) for k, v in found["args"].items()},
                }
                break
        decoded.append(entry)
    return decoded
