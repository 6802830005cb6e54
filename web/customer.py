"""The customer explorer (paper §5.2.2): upload a design, choose how it is made, fill a cart, give shipping data,
preview what goes on chain, and publish the whole cart in one `placeOrders` transaction signed in the wallet; then
follow the orders.

Everything here is validated on the server, each refusal naming the field; nothing is uploaded, written or built
before the whole input is valid. The server never signs: it builds the call (simulated first, so a contract's
refusal is shown before the wallet opens), the wallet sends it, and the server follows the hash.
"""

from __future__ import annotations

import json
import math
import queue
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, stream_with_context
from web3.exceptions import TransactionNotFound

from offchain.chain.ordering import OrderChoices, Shipping, check_choices, prepare_order
from offchain.exceptions import BadRequestError, ConfigError, RoleRequiredError, SlicerError, StlError
from offchain.matching.constraints import Part, check
from offchain.printing.slicer import Quote, SlicerProfile, quote
from offchain.printing.stl import StlLimits, read_stl, scaled_stl
from offchain.types import Constraint, OrderStatus, TwinStatus
from web.auth import current, signed_in
from web.context import platform
from web.events import sse
from web.store import CartLine, Design, Publish
from web.transactions import failure_reason, known, receipt_of

bp = Blueprint("customer", __name__, url_prefix="/customer")
api = Blueprint("customer_api", __name__, url_prefix="/api")

SHIPPING_FIELDS = {"name": 120, "street": 200, "postcode": 20, "city": 100, "country": 60, "email": 200}
MAX_CART = 20
DESIGN_NAME = 120


# ---------------------------------------------------------------------------------------------- pages


@bp.get("/")
def explorer() -> str:
    who = current()
    if who is None:
        return render_template("customer/explorer.html", signed_in=False)
    return render_template("customer/explorer.html", signed_in=True, **_view(who.address))


def _view(address: str) -> dict[str, Any]:
    store = platform().store
    catalogue = platform().chain.twin_registry.catalogue()
    designs = store.designs(address)
    printers = [t for t in platform().chain.twin_registry.twins() if t.status != TwinStatus.RETIRED]
    return {
        "designs": designs,
        "offered": {d.id: _offered(d, printers) for d in designs},
        "printers_published": bool(printers),
        "cart": store.cart(address),
        "shipping": store.shipping(address) or {},
        "materials": sorted(catalogue.materials.items()),
        "colours": sorted(catalogue.colours.items()),
        "catalogue": catalogue,
        "publishes": store.publishes(address)[:10],
        "default_due": datetime.fromtimestamp(time.time() + 3 * 86400, UTC).strftime("%Y-%m-%dT%H:%M"),
    }


def _partial(name: str, address: str, **extra: Any) -> str:
    return render_template(f"customer/{name}.html", **_view(address), **extra)


# ---------------------------------------------------------------------------------------------- 1. upload


@bp.post("/designs")
def upload() -> str:
    who = signed_in()
    file = request.files.get("stl")
    if file is None or not file.filename:
        raise BadRequestError("choose an STL file to upload", field="stl")
    data = file.read()
    limits = StlLimits(max_bytes=platform().settings.max_upload_mb * 1024 * 1024)
    try:
        info = read_stl(data, limits=limits)
    except StlError as err:
        raise BadRequestError(f"{file.filename}: {err}", field="stl") from None
    platform().designs.write(info.sha256, data)
    name = (file.filename or "design.stl")[:DESIGN_NAME]
    design = platform().store.add_design(who.address, name, info.sha256, info.to_json() | fit_report(info.size_um))
    return _partial("designs", who.address, fresh=design.id)


def _offered(design: Design, printers: list[Any]) -> dict[str, set[int]]:
    """The material and colour codes some published printer that fits the design offers (the rest are greyed out)."""
    size = design.info["size_um"]
    part = Part(int(size[0]), int(size[1]), int(size[2]), 0, 0, 10_000)
    fitting = [
        t.capability for t in printers if check(part, t.capability) not in (Constraint.FOOTPRINT, Constraint.HEIGHT)
    ]
    materials = {code for cap in fitting for code in range(64) if cap.material_mask >> code & 1}
    colours = {code for cap in fitting for code in range(64) if cap.colour_mask >> code & 1}
    return {"materials": materials, "colours": colours}


@bp.post("/designs/<int:design_id>/scale")
def scale_design(design_id: int) -> str:
    """A scaled copy of the design, only when the customer asks for it (never silently): a new design, measured."""
    who = signed_in()
    design = _design(who.address, str(design_id))
    factor = _float(request.form, "factor", 0.01, 100.0, default=1.0)
    try:
        data = scaled_stl(platform().designs.read(design.sha256), factor)
        info = read_stl(data, limits=StlLimits(max_bytes=platform().settings.max_upload_mb * 1024 * 1024))
    except StlError as err:
        raise BadRequestError(f"{design.name}: {err}", field="factor") from None
    platform().designs.write(info.sha256, data)
    stem = design.name.removesuffix(".stl")
    name = f"{stem} (scaled {factor:.0%}).stl"[:DESIGN_NAME]
    fresh = platform().store.add_design(who.address, name, info.sha256, info.to_json() | fit_report(info.size_um))
    return _partial("designs", who.address, fresh=fresh.id)


@bp.get("/designs/<int:design_id>/stl")
def design_file(design_id: int) -> Response:
    """The uploaded STL, to its owner only (the 3D preview loads it)."""
    who = signed_in()
    design = _design(who.address, str(design_id))
    return Response(platform().designs.read(design.sha256), mimetype="model/stl",
                    headers={"Content-Disposition": f'inline; filename="{design.name}"'})  # fmt: skip


def _check_offered(design: Design, material: str, colour: str) -> None:
    """BadRequestError unless some published printer that fits the design offers this material in this colour
    (the page greys out each alone; the pair is checked here). Nothing is checked before any printer is published."""
    catalogue = platform().chain.twin_registry.catalogue()
    codes = {n: c for c, n in catalogue.materials.items()}, {n: c for c, n in catalogue.colours.items()}
    printers = [t for t in platform().chain.twin_registry.twins() if t.status != TwinStatus.RETIRED]
    if not printers:
        return
    size = design.info["size_um"]
    part = Part(int(size[0]), int(size[1]), int(size[2]), codes[0][material], codes[1][colour], 10_000)
    if not any(check(part, t.capability) not in (Constraint.FOOTPRINT, Constraint.HEIGHT, Constraint.MATERIAL,
                                                  Constraint.COLOUR) for t in printers):  # fmt: skip
        raise BadRequestError(
            f"no published printer that fits {design.name} offers {material} in {colour}: choose another pair",
            field="colour",
        )


def fit_report(size_um: tuple[int, int, int] | list[int]) -> dict[str, Any]:
    """Whether the part fits a published printer's plate (a 90° turn allowed) and height; the largest printer; and,
    when nothing fits, the largest scale (whole percent) at which it would fit one."""
    printers = [t for t in platform().chain.twin_registry.twins() if t.status != TwinStatus.RETIRED]
    part = Part(int(size_um[0]), int(size_um[1]), int(size_um[2]), 0, 0, 10_000)
    fitting = [
        t.twin_id for t in printers if check(part, t.capability) not in (Constraint.FOOTPRINT, Constraint.HEIGHT)
    ]
    largest = max(
        printers, key=lambda t: t.capability.build_x * t.capability.build_y * t.capability.build_z, default=None
    )
    u, v, w = (int(x) for x in size_um)
    ratios = [min(min(c.build_x, c.build_y) / min(u, v), max(c.build_x, c.build_y) / max(u, v), c.build_z / w)
              for c in (t.capability for t in printers)]  # fmt: skip
    best = max(ratios, default=0.0)
    return {
        "scale_to_fit": math.floor(best * 100) / 100 if not fitting and best >= 0.01 else None,
        "printers": len(printers),
        "fits": bool(fitting),
        "fitting_printers": len(fitting),
        "largest_mm": [largest.capability.build_x / 1000, largest.capability.build_y / 1000,
                       largest.capability.build_z / 1000] if largest else None,
    }  # fmt: skip


# ---------------------------------------------------------------------------------------------- 2. choices, quote


@bp.post("/designs/<int:design_id>/quote")
def quote_design(design_id: int) -> str:
    who = signed_in()
    design = _design(who.address, str(design_id))
    found, why = _quote(design, request.form)
    return render_template("customer/quote.html", quote=found, why=why, design=design)


def _quote(design: Design, form: Any) -> tuple[Quote | None, str]:
    """A real PrusaSlicer run for the design with the chosen material, layer height and infill, on a bed the size of
    the largest published printer (cached per design + settings); (None, why) when it cannot be sliced."""
    layer = _float(form, "layer_height", 0.05, 0.6, default=0.2)
    infill = _int(form, "infill", 0, 100) if (form.get("infill") or "").strip() else 20
    nozzle = _int(form, "nozzle_temp", 150, 320) if (form.get("nozzle_temp") or "").strip() else None
    material = form.get("material", "")
    if material not in platform().chain.twin_registry.catalogue().materials.values():
        raise BadRequestError(f"material {material!r} is not in the catalogue", field="material")
    bed = design.info.get("largest_mm") or [250.0, 250.0, 250.0]
    try:
        profile = SlicerProfile(layer_height_mm=layer, bed_x_mm=bed[0], bed_y_mm=bed[1], max_height_mm=bed[2],
                                material=material, infill_percent=infill, nozzle_temp_c=nozzle)  # fmt: skip
        data = platform().designs.read(design.sha256)
        return quote(platform().slicer, data, profile, size_mm=tuple(design.info["size_mm"])), ""
    except SlicerError as err:
        return None, str(err)


def _float(form: Any, field: str, low: float, high: float, *, default: float) -> float:
    raw = (form.get(field) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadRequestError(f"{field} must be a number, got {raw!r}", field=field) from None
    if not low <= value <= high:
        raise BadRequestError(f"{field} must be {low:g}..{high:g}, got {value:g}", field=field)
    return value


# ---------------------------------------------------------------------------------------------- 3. cart


@bp.get("/cart")
def cart() -> str:
    return _partial("cart", signed_in().address)


@bp.post("/cart")
def add_to_cart() -> str:
    who = signed_in()
    store = platform().store
    design = _design(who.address, request.form.get("design", ""))
    if len(store.cart(who.address)) >= MAX_CART:
        raise BadRequestError(f"a cart holds at most {MAX_CART} lines: publish it first", field="design")
    choices = _choices(request.form)
    _check_offered(design, choices["material"], choices["colour"])
    found, why = _quote(design, request.form)
    choices["quote"] = found.to_json() if found else {"unavailable": why}
    store.add_line(who.address, design.id, choices)
    return _partial("cart", who.address)


@bp.post("/cart/<int:line_id>/quantity")
def change_quantity(line_id: int) -> str:
    who = signed_in()
    line = _line(who.address, line_id)
    quantity = _int(request.form, "quantity", 1, 10_000)
    platform().store.update_line(who.address, line.id, line.choices | {"quantity": quantity})
    return _partial("cart", who.address)


@bp.post("/cart/<int:line_id>/remove")
def remove_line(line_id: int) -> str:
    who = signed_in()
    platform().store.remove_lines(who.address, [_line(who.address, line_id).id])
    return _partial("cart", who.address)


def _design(address: str, value: str) -> Design:
    try:
        found = platform().store.design(address, int(value))
    except ValueError:
        found = None
    if found is None:
        raise BadRequestError("choose one of your uploaded designs", field="design")
    return found


def _line(address: str, line_id: int) -> CartLine:
    line = next((x for x in platform().store.cart(address) if x.id == line_id), None)
    if line is None:
        raise BadRequestError(f"no cart line {line_id} in your cart", field="line")
    return line


def _int(form: Any, field: str, low: int, high: int) -> int:
    raw = (form.get(field) or "").strip()
    try:
        value = int(raw)
    except ValueError:
        raise BadRequestError(f"{field} must be a whole number, got {raw!r}", field=field) from None
    if not low <= value <= high:
        raise BadRequestError(f"{field} must be {low}..{high}, got {value}", field=field)
    return value


def _choices(form: Any) -> dict[str, Any]:
    catalogue = platform().chain.twin_registry.catalogue()
    material, colour = form.get("material", ""), form.get("colour", "")
    if material not in catalogue.materials.values():
        raise BadRequestError(f"material {material!r} is not in the catalogue", field="material")
    if colour not in catalogue.colours.values():
        raise BadRequestError(f"colour {colour!r} is not in the catalogue", field="colour")
    due_text = (form.get("due") or "").strip()
    try:
        due = int(datetime.strptime(due_text, "%Y-%m-%dT%H:%M").replace(tzinfo=UTC).timestamp())
    except ValueError:
        raise BadRequestError(
            f"due date must look like 2026-12-24T17:00 (UTC), got {due_text!r}", field="due"
        ) from None
    choices = OrderChoices(
        material=material,
        colour=colour,
        accuracy_um=_int(form, "accuracy", 1, 10_000),
        quantity=_int(form, "quantity", 1, 10_000),
        priority=_int(form, "priority", 0, 100),
        due_date=due,
    )
    try:
        check_choices(choices, now=int(time.time()))
    except ConfigError as err:
        raise BadRequestError(str(err), field="due") from None
    return {
        "material": choices.material, "colour": choices.colour, "accuracy_um": choices.accuracy_um,
        "quantity": choices.quantity, "priority": choices.priority, "due_date": choices.due_date,
    }  # fmt: skip


# ---------------------------------------------------------------------------------------------- 4. shipping


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
    return _partial("shipping", who.address, saved=True)


# ---------------------------------------------------------------------------------------------- 5-6. preview, publish


@bp.post("/publish")
def publish() -> Any:
    """Uploads the cart's designs to the private IPFS swarm and builds the one `placeOrders` call (simulated, so a
    refusal is shown before the wallet opens); the wallet sends it, then `POST /customer/publish/<id>/submitted`."""
    who = signed_in()
    store, chain = platform().store, platform().chain
    cart = store.cart(who.address)
    if not cart:
        raise BadRequestError("the cart is empty: add a design first", field="cart")
    shipping_data = store.shipping(who.address)
    if shipping_data is None:
        raise BadRequestError("give the shipping information first", field="shipping")
    shipping = Shipping.new(shipping_data)
    catalogue = chain.twin_registry.catalogue()
    now = int(time.time())
    requests = []
    for line in cart:
        c = line.choices
        choices = OrderChoices(
            c["material"], c["colour"], c["accuracy_um"], c["quantity"], c["priority"], c["due_date"]
        )
        try:
            prepared = prepare_order(
                platform().designs.read(line.design.sha256), choices, shipping, catalogue, platform().storage, now=now
            )
        except (ConfigError, StlError) as err:
            raise BadRequestError(f"{line.design.name}: {err}", field="cart") from None
        requests.append(prepared.request)
    tx = chain.order_book.build_place_cart(requests, sender=who.address)
    lines = [{"line": line.id, "design": line.design.name, **line.choices, "cid": r.design_cid}
             for line, r in zip(cart, requests, strict=True)]  # fmt: skip
    publish_id = store.add_publish(who.address, lines, shipping.to_json())
    return jsonify(publish=publish_id, tx=tx.for_wallet(), summary=tx.describe(), lines=lines)


@bp.post("/publish/<int:publish_id>/submitted")
def submitted(publish_id: int) -> Any:
    who = signed_in()
    record = platform().store.publish_record(who.address, publish_id)
    if record is None:
        raise BadRequestError(f"no publication {publish_id} of yours", field="publish")
    body = request.get_json(silent=True) or {}
    tx_hash = str(body.get("hash", ""))
    if len(tx_hash) != 66 or not tx_hash.startswith("0x"):
        raise BadRequestError(f"not a transaction hash: {tx_hash!r}", field="hash")
    chain = platform().chain
    try:
        nonce: int | None = int(chain.w3.eth.get_transaction(tx_hash)["nonce"])  # type: ignore[arg-type]
    except TransactionNotFound:
        nonce = None  # not seen by our node (yet): followed by hash alone
    platform().store.set_submitted(publish_id, tx_hash, who.address, nonce, chain.head())
    return jsonify(_outcome(who.address, publish_id))


@bp.get("/publish/<int:publish_id>")
def publish_state(publish_id: int) -> Any:
    """The publication's state, the chain asked when it is still submitted (so it is right after a reload too)."""
    who = signed_in()
    if platform().store.publish_record(who.address, publish_id) is None:
        raise BadRequestError(f"no publication {publish_id} of yours", field="publish")
    return jsonify(_outcome(who.address, publish_id))


def _outcome(address: str, publish_id: int) -> dict[str, Any]:
    store, chain = platform().store, platform().chain
    record = store.publish_record(address, publish_id)
    assert record is not None
    if record.state == "submitted" and record.tx_hash:
        tx_hash = record.tx_hash
        receipt = receipt_of(tx_hash)
        if receipt is None and (replacement := _replacement(record)) is not None:
            new_hash, same_call = replacement
            if not same_call:
                store.set_publish(publish_id, state="failed", error="the wallet replaced the transaction by another "
                                  f"one ({new_hash}): nothing was published; publish again")  # fmt: skip
                return _outcome(address, publish_id)
            store.set_replaced(publish_id, new_hash, tx_hash)
            tx_hash = new_hash
            receipt = receipt_of(tx_hash)
        if receipt is not None:
            if int(receipt["status"]) == 1:
                orders = chain.order_book.placed_ids(receipt)
                store.set_publish(publish_id, state="mined", orders=orders)
                store.remove_lines(address, [int(line["line"]) for line in record.lines])
            else:
                store.set_publish(publish_id, state="failed", error=failure_reason(tx_hash, receipt))
            record = store.publish_record(address, publish_id)
            assert record is not None
    return {"publish": record.id, "state": record.state, "hash": record.tx_hash, "orders": record.orders,
            "error": record.error, "replaced": record.replaced}  # fmt: skip


def _replacement(record: Publish) -> tuple[str, bool] | None:
    """When the submitted transaction's nonce was used by another mined transaction (the wallet sped it up or
    cancelled it): that transaction's hash, and whether it makes the same call (a speed-up)."""
    w3 = platform().chain.w3
    if record.nonce is None or record.sender is None or record.from_block is None or record.tx_hash is None:
        return None
    if w3.eth.get_transaction_count(record.sender, "latest") <= record.nonce:  # type: ignore[arg-type]
        return None  # still pending
    original = w3.eth.get_transaction(record.tx_hash) if known(record.tx_hash) else None  # type: ignore[arg-type]
    for number in range(max(0, record.from_block - 1), platform().chain.head() + 1):
        for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]:
            found: Any = tx
            if str(found["from"]).lower() == record.sender.lower() and int(found["nonce"]) == record.nonce:
                new_hash = "0x" + bytes(found["hash"]).hex()
                same = original is None or (found["to"] == original["to"] and found["input"] == original["input"])
                return new_hash, same
    return None


# ---------------------------------------------------------------------------------------------- my orders


@bp.post("/orders/<int:order_id>/cancel")
def cancel(order_id: int) -> Any:
    """The `cancelOrder` call for the wallet, simulated first: a refusal (already matched, not yours) comes back
    decoded and the wallet never opens."""
    who = signed_in()
    tx = platform().chain.order_book.build_cancel(order_id, sender=who.address)
    return jsonify(tx=tx.for_wallet(), summary=tx.describe(), order=order_id)


@api.get("/orders/<int:order_id>/shipping")
def shipping_of(order_id: int) -> Any:
    """An order's shipping data: to its customer and to the owner of the printer it is matched to, nobody else;
    checked against the salted hash the order carries on chain."""
    who = signed_in()
    chain = platform().chain
    record = chain.order_book.order(order_id)
    indexed = {o.order_id: o for o in platform().index.orders_of(record.customer)}.get(order_id)
    owner = chain.twin_registry.twin(indexed.twin_id).owner if indexed and indexed.twin_id else None
    if who.address.lower() not in {record.customer.lower(), (owner or "").lower()}:
        raise RoleRequiredError(
            f"only the customer of order {order_id} and the owner of the printer it is matched to see its shipping"
        )
    found = platform().store.shipping_of_order(record.customer, order_id)
    if found is None:
        raise BadRequestError(
            f"order {order_id} was not placed through this site: no shipping data here", field="order"
        )
    on_chain = "0x" + chain.order_book.placed_order(order_id).request.shipping_hash.hex()
    return jsonify(order=order_id, shipping=found["shipping"], verified=found["hash"] == on_chain)


@bp.get("/orders")
def my_orders() -> str:
    who = signed_in()
    return _orders_table(who.address)


@bp.get("/events")
def events() -> Response:
    """Server-Sent Events for the signed-in customer: `orders` — the My orders table, first and again whenever the
    index sees one of their orders change; `publish` — each publication still being followed, first and again when
    its transaction is mined, fails or is replaced (so a page reloaded meanwhile learns the outcome); and a comment
    every 15 s, so a closed page frees its thread."""
    who = signed_in()
    broker = platform().broker

    def stream() -> Iterator[str]:
        sent: dict[int, str] = {}
        with broker.subscribe(f"orders:{who.address.lower()}", "blocks") as inbox:
            yield sse("orders", _orders_table(who.address))
            yield from _publish_events(who.address, sent)
            while True:
                try:
                    topic, _data = inbox.get(timeout=15)
                except queue.Empty:
                    yield ": keep-alive\n\n"
                    continue
                if topic.startswith("orders:"):
                    yield sse("orders", _orders_table(who.address))
                yield from _publish_events(who.address, sent)

    return Response(stream_with_context(stream()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})  # fmt: skip


def _publish_events(address: str, sent: dict[int, str]) -> Iterator[str]:
    """A `publish` event for each recent publication being followed (or just resolved) whose state the page has not
    been sent yet."""
    for record in platform().store.publishes(address)[:10]:
        if record.state != "submitted" and record.id not in sent:
            continue
        state = _outcome(address, record.id)
        marker = f"{state['state']}:{state['hash']}"
        if sent.get(record.id) != marker:
            sent[record.id] = marker
            yield sse("publish", json.dumps(state).replace("<", "\\u003c"))


def _orders_table(address: str) -> str:
    catalogue = platform().chain.twin_registry.catalogue()
    rows = [
        {
            "id": o.order_id,
            "status": o.status.name.title(),
            "material": catalogue.materials.get(o.material, o.material),
            "colour": catalogue.colours.get(o.colour, o.colour),
            "quantity": o.quantity,
            "due": o.due_date,
            "tx": o.placed_tx,
            "twin": o.twin_id,
            "planned_start": o.planned_start,
            "cancellable": o.status == OrderStatus.PLACED,
        }
        for o in platform().index.orders_of(address)
    ]
    return render_template("customer/orders.html", orders=rows, indexed=platform().index.block)
