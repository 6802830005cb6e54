"""The gas explorer: the faucet's pages over the faucet service of the platform layer (web.platform.faucet) —
a signed-in account's gas card, its request, the live card, and the admin's list of drips.

    pages     /gas/card, /gas/state, /gas/request, /gas/events, /gas/drips
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("gas", __name__, url_prefix="/gas")

# the route modules register their views on bp when imported
from web.gas import pages  # noqa: E402

__all__ = ["bp", "pages"]
