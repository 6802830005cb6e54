"""The customer explorer's page and the fragments its forms swap in."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from flask import render_template

from web.customer import bp
from web.customer.fit import offered
from web.platform.auth import current
from web.platform.context import catalogue, platform, published_printers
from web.platform.gas_card import card_context
from web.platform.shipping import RETENTION_DAYS


@bp.get("/")
def explorer() -> str:
    who = current()
    if who is None:
        return render_template("customer/explorer.html", signed_in=False)
    return render_template("customer/explorer.html", signed_in=True, **view(who.address), **card_context())


def view(address: str) -> dict[str, Any]:
    store = platform().store
    names = catalogue()
    designs = store.designs(address)
    printers = published_printers()
    return {
        "designs": designs,
        "offered": {d.id: offered(d, printers) for d in designs},
        "printers_published": bool(printers),
        "cart": store.cart(address),
        "shipping": store.shipping(address) or {},
        "retention_days": RETENTION_DAYS,
        "materials": sorted(names.materials.items()),
        "colours": sorted(names.colours.items()),
        "catalogue": names,
        "publishes": store.publishes(address)[:10],
        "default_due": datetime.fromtimestamp(time.time() + 3 * 86400, UTC).strftime("%Y-%m-%dT%H:%M"),
    }


def partial(name: str, address: str, **extra: Any) -> str:
    return render_template(f"customer/{name}.html", **view(address), **extra)
