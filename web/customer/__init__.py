"""The customer explorer (paper §5.2.2): upload a design, choose how it is made, fill a cart, give shipping data,
preview what goes on chain, and publish the whole cart in one `placeOrders` transaction signed in the wallet; then
follow the orders.

Everything here is validated on the server, each refusal naming the field; nothing is uploaded, written or built
before the whole input is valid. The server never signs: it builds the call (simulated first, so a contract's
refusal is shown before the wallet opens), the wallet sends it, and the server follows the hash.

    pages     the explorer page and the fragments its forms swap in
    designs   upload, 3D preview file, scale on request, remove, quote (steps 1-2)
    quota     what an account may make the server do: design size and count, quotes, parses at once
    cart      cart and shipping (steps 3-4)
    publish   publish and follow the transaction (steps 5-6)
    orders    My orders: table, SSE stream, cancel, shipping for the matched printer's owner
    fit       what fits which published printer; forms: reading the forms
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("customer", __name__, url_prefix="/customer")
api = Blueprint("customer_api", __name__, url_prefix="/api")

SHIPPING_FIELDS = {"name": 120, "street": 200, "postcode": 20, "city": 100, "country": 60, "email": 200}
MAX_CART = 20
DESIGN_NAME = 120

# the route modules register their views on bp / api when imported
from web.customer import cart, designs, orders, pages, publish, quota  # noqa: E402

__all__ = ["api", "bp", "cart", "designs", "orders", "pages", "publish", "quota"]
