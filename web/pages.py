"""Pages shared by every visitor: the start page, with the first-run guide and, once signed in, the account's gas."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from web.platform.auth import current
from web.platform.context import platform
from web.platform.gas_card import card_context

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> str:
    who = current()
    context: dict[str, Any] = {"ordered": False, "gas": None}
    if who is not None:
        context = {**card_context(), "ordered": bool(platform().index.orders_of(who.address, limit=1))}
    return render_template("home.html", faucet_on=platform().faucet.enabled, **context)
