"""The customer explorer's page and the fragments its forms swap in."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from flask import render_template

from offchain.types import TwinStatus
from web.auth import current
from web.context import platform
from web.customer import bp
from web.customer.fit import offered


@bp.get("/")
def explorer() -> str:
    who = current()
    if who is None:
        return render_template("customer/explorer.html", signed_in=False)
    return render_template("customer/explorer.html", signed_in=True, **view(who.address))


def view(address: str) -> dict[str, Any]:
    store = platform().store
    catalogue = platform().chain.twin_registry.catalogue()
    designs = store.designs(address)
    printers = [t for t in platform().chain.twin_registry.twins() if t.status != TwinStatus.RETIRED]
    return {
        "designs": designs,
        "offered": {d.id: offered(d, printers) for d in designs},
        "printers_published": bool(printers),
        "cart": store.cart(address),
        "shipping": store.shipping(address) or {},
        "materials": sorted(catalogue.materials.items()),
        "colours": sorted(catalogue.colours.items()),
        "catalogue": catalogue,
        "publishes": store.publishes(address)[:10],
        "default_due": datetime.fromtimestamp(time.time() + 3 * 86400, UTC).strftime("%Y-%m-%dT%H:%M"),
    }


def partial(name: str, address: str, **extra: Any) -> str:
    return render_template(f"customer/{name}.html", **view(address), **extra)
