"""The gas card every explorer page shows a signed-in account (its balance, what gas is, "Request gas"), and what
the faucet would do for the account now — in the platform layer, so any explorer includes it (`gas/card.html`)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from offchain.chain.roles import roles_of
from web.platform.auth import signed_in
from web.platform.context import platform
from web.platform.faucet import GasState
from web.platform.faucet_policy import coins
from web.platform.limits import visitor

TYPICAL_CART_GAS = 250_000
"""A cart of about three orders (`placeOrders`), for the "a typical order costs" line."""


def client() -> str | None:
    """Who asks, for the per-client rate limit: the visitor's address (behind a reverse proxy set
    IMSE_WEB_TRUSTED_PROXY), or None on loopback, where every visitor shares one address and only the per-account
    and the daily limits apply."""
    return visitor(platform().settings)


def gas_state() -> GasState:
    who = signed_in()
    return platform().faucet.state(who.address, roles_of(platform().chain, who.address), client())


def card_context() -> dict[str, Any]:
    """What gas/card.html needs (pages that include the card pass it on)."""
    typical = TYPICAL_CART_GAS * platform().chain.transactions.fee_per_gas()
    return {"gas": gas_state(), "faucet": platform().faucet, "coins": coins, "typical": typical,
            "symbol": platform().settings.currency_symbol}  # fmt: skip


def card() -> str:
    return render_template("gas/card.html", **card_context())
