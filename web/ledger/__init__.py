"""The ledger explorer (`/ledger`): what the paper showed in Ganache, for the consortium's own chain — the newest
blocks with their clique signer, the platform's transactions with the decoded function and arguments, decoded
events, and a page per address (roles, orders), order (its whole timeline) and twin (its versions). Lists read the
chain index; a single transaction, block or record is read from the node.

    pages     home (newest blocks and transactions), search, block, tx, address, order, twin

The old `/explorer/…` addresses redirect here (308).
"""

from __future__ import annotations

from flask import Blueprint, redirect, request
from werkzeug.wrappers import Response

bp = Blueprint("ledger", __name__, url_prefix="/ledger")
old = Blueprint("explorer_redirect", __name__, url_prefix="/explorer")


@old.get("/", defaults={"rest": ""})
@old.get("/<path:rest>")
def moved(rest: str) -> Response:
    """Links to the explorer's first address (`/explorer/…`) keep working."""
    query = request.query_string.decode("latin-1")
    return redirect(f"/ledger/{rest}" + (f"?{query}" if query else ""), code=308)


# the route modules register their views on bp when imported
from web.ledger import pages  # noqa: E402

__all__ = ["bp", "old", "pages"]
