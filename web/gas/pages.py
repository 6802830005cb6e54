"""The faucet's pages (the card itself is web.platform.gas_card, shown by every explorer).

GET  /gas/card     the signed-in account's gas card (balance, what gas is, "Request gas")   HTML partial
GET  /gas/state    the same as JSON {balance_wei, drip_wei, threshold_wei, pending, refusal}
POST /gas/request  a drip for the signed-in account → the card, pending (JSON error 429 when refused)
GET  /gas/events   SSE: `gas` — the card again once the account's pending drip is mined or failed
GET  /gas/drips    every drip (who, when, how much, client, transaction) — the consortium admin only
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from flask import Response, jsonify, render_template, request

from offchain.chain.roles import roles_of
from web.gas import bp
from web.platform.auth import live_stream, role_required, signed_in
from web.platform.context import platform
from web.platform.events import sse
from web.platform.faucet import DAY
from web.platform.faucet_policy import coins
from web.platform.gas_card import card, client, gas_state


@bp.get("/card")
def gas_card() -> str:
    return card()


@bp.get("/state")
def state() -> Any:
    gas = gas_state()
    return jsonify(balance_wei=str(gas.balance_wei), drip_wei=str(gas.drip_wei), threshold_wei=str(gas.threshold_wei),
                   low=gas.low, pending=gas.pending.id if gas.pending else None,
                   refusal=None if gas.refusal is None else {"reason": gas.refusal[0], "message": gas.refusal[1]},
                   faucet=platform().faucet.address)  # fmt: skip


@bp.post("/request")
def request_gas() -> Any:
    who = signed_in()
    drip = platform().faucet.request(who.address, roles_of(platform().chain, who.address), client())
    if request.headers.get("HX-Request"):
        return card(), 202
    return jsonify(drip=drip.id, amount_wei=str(drip.amount_wei), state=drip.state), 202


@bp.get("/events")
def events() -> Response:
    """`gas`: the card once the pending drip is done (at once when none is pending); capped and short-lived like
    every live stream (web.platform.streams)."""
    who = signed_in()

    def first() -> Iterator[str]:
        if platform().faucet.pending(who.address) is None:
            yield sse("gas", card())

    def on_message(_topic: str, _data: object) -> Iterator[str]:
        yield sse("gas", card())

    return live_stream(who, platform().broker.subscribe(f"gas:{who.address.lower()}"), first, on_message)


@bp.get("/drips")
@role_required("admin")
def drips() -> str:
    faucet, ledger = platform().faucet, platform().faucet.ledger
    balance = faucet.balance(faucet.address) if faucet.address else 0
    return render_template("gas/drips.html", drips=ledger.recent(), faucet=faucet, balance=balance, coins=coins,
                           today=ledger.total_since(time.time() - DAY), policy=faucet.policy,
                           symbol=platform().settings.currency_symbol)  # fmt: skip
