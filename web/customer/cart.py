"""Steps 3-4: the cart (kept on the server per address) and the shipping data."""

from __future__ import annotations

from flask import request

from offchain.exceptions import BadRequestError
from offchain.types import MAX_QUANTITY
from web.customer import MAX_CART, SHIPPING_FIELDS, bp
from web.customer.designs import quote_for
from web.customer.fit import check_offered
from web.customer.forms import choices_from, design_of, form_int, line_of
from web.customer.pages import partial
from web.platform.auth import signed_in
from web.platform.context import platform


@bp.get("/cart")
def cart() -> str:
    return partial("cart", signed_in().address)


@bp.post("/cart")
def add_to_cart() -> str:
    who = signed_in()
    store = platform().store
    design = design_of(who.address, request.form.get("design", ""))
    if len(store.cart(who.address)) >= MAX_CART:
        raise BadRequestError(f"a cart holds at most {MAX_CART} lines: publish it first", field="design")
    choices = choices_from(request.form)
    check_offered(design, choices["material"], choices["colour"])
    found, why = quote_for(who.address, design, request.form)
    choices["quote"] = found.to_json() if found else {"unavailable": why}
    store.add_line(who.address, design.id, choices)
    return partial("cart", who.address)


@bp.post("/cart/<int:line_id>/quantity")
def change_quantity(line_id: int) -> str:
    who = signed_in()
    line = line_of(who.address, line_id)
    quantity = form_int(request.form, "quantity", 1, MAX_QUANTITY)
    platform().store.update_line(who.address, line.id, line.choices | {"quantity": quantity})
    return partial("cart", who.address)


@bp.post("/cart/<int:line_id>/remove")
def remove_line(line_id: int) -> str:
    who = signed_in()
    platform().store.remove_lines(who.address, [line_of(who.address, line_id).id])
    return partial("cart", who.address)


@bp.post("/shipping")
def save_shipping() -> str:
    who = signed_in()
    data: dict[str, str] = {}
    for field, limit in SHIPPING_FIELDS.items():
        value = (request.form.get(field) or "").strip()
        if not value:
            raise BadRequestError(f"{field} is required", field=field)
        if len(value) > limit:
            raise BadRequestError(f"{field} is longer than {limit} characters", field=field)
        data[field] = value
    if "@" not in data["email"].strip("@"):
        raise BadRequestError(f"email {data['email']!r} is not an e-mail address", field="email")
    platform().store.set_shipping(who.address, data)
    return partial("shipping", who.address, saved=True)


@bp.post("/shipping/forget")
def forget_shipping() -> str:
    """Deletes the saved shipping form (publications already made keep theirs until their retention ends)."""
    who = signed_in()
    platform().store.forget_shipping(who.address)
    return partial("shipping", who.address)
