"""The customer explorer through Flask's test client: upload, choices, cart, shipping, publish (the transaction sent
the way a wallet sends it), the outcome and My orders — and a clear refusal, naming the field, of every bad input."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest

from offchain.printing.samples import box
from tests.web.conftest import Browser, match_order, send_as_wallet

DUE = datetime.fromtimestamp(time.time() + 5 * 86400, UTC).strftime("%Y-%m-%dT%H:%M")
SHIPPING = {"name": "Ada Lovelace", "street": "1 St James's Sq", "postcode": "SW1Y 4JU", "city": "London",
            "country": "UK", "email": "ada@example.org"}  # fmt: skip


@pytest.fixture
def signed_in(app, customer) -> Browser:
    browser = Browser(app)
    browser.sign_in(customer)
    return browser


def _design_id(browser: Browser, content: bytes = b"", name: str = "part.stl") -> int:
    answer = browser.htmx("/customer/designs", stl=(content or box(), name))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return int(re.search(r'data-design="(\d+)"', answer.get_data(as_text=True)).group(1))


def _line(design: int, **overrides: str) -> dict[str, str]:
    return {"design": str(design), "material": "PLA", "colour": "black", "accuracy": "200", "quantity": "2",
            "priority": "50", "due": DUE} | overrides  # fmt: skip


def test_explorer__signed_out__asks_to_sign_in(browser):
    page = browser.get("/customer/").get_data(as_text=True)

    assert "Sign in to order" in page
    assert 'id="upload-form"' not in page


def test_upload__box__measured_and_listed(signed_in):
    answer = signed_in.htmx("/customer/designs", stl=(box(20, 30, 10), "bracket.stl"))

    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "bracket.stl" in page
    assert "20.0 × 30.0 × 10.0 mm" in page
    assert "6,000 mm³" in page
    assert "12 triangles" in page


def test_upload__ascii_stl__accepted(signed_in):
    page = signed_in.htmx("/customer/designs", stl=(box(ascii=True), "ascii.stl")).get_data(as_text=True)

    assert "ascii STL" in page


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"solid x\nnot a facet\nendsolid", "STL"),
        (b"\x00" * 84, "0 triangles"),
        (b"garbage" * 20, "STL"),
    ],
)
def test_upload__broken_file__refused_with_the_reason_and_nothing_kept(signed_in, content, reason):
    answer = signed_in.htmx("/customer/designs", stl=(content, "broken.stl"))

    assert answer.status_code == 400
    body = answer.get_json()
    assert body["field"] == "stl"
    assert reason in body["message"]
    assert "broken.stl" not in signed_in.get("/customer/").get_data(as_text=True)


def test_upload__no_file__refused(signed_in):
    answer = signed_in.htmx("/customer/designs")

    assert answer.status_code == 400
    assert answer.get_json()["field"] == "stl"


def test_upload__signed_out__refused(browser):
    answer = browser.htmx("/customer/designs", stl=(box(), "part.stl"))

    assert answer.status_code == 401
    assert answer.get_json()["error"] == "NotSignedInError"


def test_cart__add_change_remove(signed_in):
    design = _design_id(signed_in)

    page = signed_in.htmx("/customer/cart", _line(design)).get_data(as_text=True)
    line = int(re.search(r'data-line="(\d+)"', page).group(1))
    assert "PLA" in page

    page = signed_in.htmx(f"/customer/cart/{line}/quantity", {"quantity": "7"}).get_data(as_text=True)
    assert 'value="7"' in page

    page = signed_in.htmx(f"/customer/cart/{line}/remove").get_data(as_text=True)
    assert "Your cart is empty" in page


def test_cart__kept_for_the_address_across_sign_out_and_in(app, customer):
    first = Browser(app)
    first.sign_in(customer)
    first.htmx("/customer/cart", _line(_design_id(first)))
    first.post("/auth/logout")

    again = Browser(app)
    again.sign_in(customer)

    assert "data-line=" in again.get("/customer/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("design", "999", "choose one of your uploaded designs"),
        ("design", "x", "choose one of your uploaded designs"),
        ("material", "unobtainium", "not in the catalogue"),
        ("colour", "ultraviolet", "not in the catalogue"),
        ("accuracy", "0", "accuracy must be 1..10000"),
        ("accuracy", "fine", "whole number"),
        ("quantity", "0", "quantity must be 1..10000"),
        ("quantity", "10001", "quantity must be 1..10000"),
        ("priority", "101", "priority must be 0..100"),
        ("priority", "-1", "priority must be 0..100"),
        ("due", "tomorrow", "due date must look like"),
        ("due", "2001-01-01T00:00", "not in the future"),
    ],
)
def test_cart__bad_choice__refused_naming_the_field_and_nothing_added(signed_in, field, value, says):
    design = _design_id(signed_in)

    answer = signed_in.htmx("/customer/cart", _line(design) | {field: value})

    assert answer.status_code == 400
    assert answer.get_json()["field"] == field
    assert says in answer.get_json()["message"]
    assert "data-line=" not in signed_in.get("/customer/").get_data(as_text=True)


def test_cart__another_customers_line__refused(app, customer, other_customer):
    owner = Browser(app)
    owner.sign_in(customer)
    page = owner.htmx("/customer/cart", _line(_design_id(owner))).get_data(as_text=True)
    line = re.search(r'data-line="(\d+)"', page).group(1)
    intruder = Browser(app)
    intruder.sign_in(other_customer)

    answer = intruder.htmx(f"/customer/cart/{line}/remove")

    assert answer.status_code == 400
    assert "data-line=" in owner.get("/customer/").get_data(as_text=True)


def test_shipping__saved_and_shown(signed_in):
    page = signed_in.htmx("/customer/shipping", SHIPPING).get_data(as_text=True)

    assert "Saved." in page
    assert "SW1Y 4JU" in page


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [("name", "", "name is required"), ("city", "x" * 101, "longer than 100"), ("email", "ada", "not an e-mail")],
)
def test_shipping__bad_field__refused_naming_it(signed_in, field, value, says):
    answer = signed_in.htmx("/customer/shipping", SHIPPING | {field: value})

    assert answer.status_code == 400
    assert answer.get_json()["field"] == field
    assert says in answer.get_json()["message"]


def test_publish__empty_cart_or_no_shipping__refused_before_anything_is_uploaded(signed_in, storage):
    assert signed_in.post("/customer/publish").get_json()["field"] == "cart"
    signed_in.htmx("/customer/cart", _line(_design_id(signed_in)))

    answer = signed_in.post("/customer/publish")

    assert answer.get_json()["field"] == "shipping"
    assert len(storage.pinned) == 0


def test_publish__cart_of_two__one_transaction_then_mined_orders_and_an_empty_cart(signed_in, sdk, customer, storage):
    signed_in.htmx("/customer/cart", _line(_design_id(signed_in, box(20, 30, 10), "a.stl")))
    signed_in.htmx("/customer/cart", _line(_design_id(signed_in, box(40, 10, 5), "b.stl"), colour="white"))
    signed_in.htmx("/customer/shipping", SHIPPING)

    built = signed_in.post("/customer/publish").get_json()

    assert built["summary"] == "OrderBook.placeOrders"
    assert [line["design"] for line in built["lines"]] == ["a.stl", "b.stl"]
    assert len(storage.pinned) == 2  # both designs are on IPFS before the wallet opens
    tx = built["tx"]
    assert tx["from"] == customer.address
    tx_hash = send_as_wallet(sdk, tx)  # what the wallet does with the parameters
    state = signed_in.post(f"/customer/publish/{built['publish']}/submitted", {"hash": tx_hash}).get_json()
    signed_in.client.application.extensions["imse"].index.sync()  # the server's index thread, here in-line
    assert state["state"] == "mined"
    assert len(state["orders"]) == 2
    assert signed_in.get(f"/customer/publish/{built['publish']}").get_json()["orders"] == state["orders"]
    assert "Your cart is empty" in signed_in.get("/customer/").get_data(as_text=True)
    orders = signed_in.get("/customer/orders").get_data(as_text=True)
    for order_id in state["orders"]:
        assert f"#{order_id}" in orders
    assert "Placed" in orders
    placed = sdk.order_book.placed_order(state["orders"][0])
    assert placed.customer == customer.address
    assert placed.request.quantity == 2


def test_publish__bad_hash__refused(signed_in):
    signed_in.htmx("/customer/cart", _line(_design_id(signed_in)))
    signed_in.htmx("/customer/shipping", SHIPPING)
    built = signed_in.post("/customer/publish").get_json()

    answer = signed_in.post(f"/customer/publish/{built['publish']}/submitted", {"hash": "0x1234"})

    assert answer.status_code == 400
    assert answer.get_json()["field"] == "hash"


def _built(browser: Browser) -> dict:
    browser.htmx("/customer/cart", _line(_design_id(browser)))
    browser.htmx("/customer/shipping", SHIPPING)
    return browser.post("/customer/publish").get_json()


def test_publish__another_senders_mined_transaction__refused_nothing_marked(app, signed_in, other_customer, sdk):
    """The review's attack: another account's mined `placeOrders` submitted as ours marked our publication mined
    with their order ids."""
    built = _built(signed_in)
    other = Browser(app)
    other.sign_in(other_customer)
    theirs = send_as_wallet(sdk, _built(other)["tx"])

    answer = signed_in.post(f"/customer/publish/{built['publish']}/submitted", {"hash": theirs})

    assert answer.status_code == 400
    assert answer.get_json()["field"] == "hash"
    assert f"it was sent by {other_customer.address}" in answer.get_json()["message"]
    assert signed_in.get(f"/customer/publish/{built['publish']}").get_json()["state"] == "built"


def test_publish__own_transaction_with_other_data__refused(signed_in, sdk, customer):
    built = _built(signed_in)
    data = built["tx"]["data"]
    changed = data[:-70] + ("1" if data[-70] != "1" else "2") + data[-69:]  # one digit of the last word changed
    other_cart = dict(built["tx"], data=changed)
    sent = sdk.w3.eth.send_transaction({"from": customer.address, "to": other_cart["to"], "data": other_cart["data"],
                                        "gas": int(other_cart["gas"], 16)})  # fmt: skip

    answer = signed_in.post(f"/customer/publish/{built['publish']}/submitted", {"hash": sent.to_0x_hex()})

    assert answer.status_code == 400
    assert "its data differ from the cart built here" in answer.get_json()["message"]


def test_publish__unknown_hash__followed_without_scanning_blocks(signed_in, sdk, monkeypatch):
    """A hash the node has never seen is followed by receipt alone: no poll rescans the blocks since submission."""
    built = _built(signed_in)
    reads: list[int] = []
    get_block = sdk.w3.eth.get_block
    monkeypatch.setattr(sdk.w3.eth, "get_block", lambda n, *a, **kw: reads.append(n) or get_block(n, *a, **kw))

    state = signed_in.post(f"/customer/publish/{built['publish']}/submitted", {"hash": "0x" + "ab" * 32}).get_json()
    for _ in range(3):
        signed_in.get(f"/customer/publish/{built['publish']}")

    assert state["state"] == "submitted"
    assert reads == []


def test_publish__replacement_search__each_block_read_once(signed_in, sdk, customer, monkeypatch):
    """While the wallet's transaction is not mined but its nonce was used, the search for the replacement reads
    each block once, not every block since submission at every poll."""
    from web.platform.store import Store

    built = _built(signed_in)
    store: Store = signed_in.client.application.extensions["imse"].store
    nonce = sdk.w3.eth.get_transaction_count(customer.address)
    send_as_wallet(sdk, {"from": customer.address, "to": customer.address, "data": "0x", "gas": hex(21_000)})
    store.set_submitted(built["publish"], "0x" + "cd" * 32, customer.address, nonce, sdk.head() - 1)
    reads: list[int] = []
    get_block = sdk.w3.eth.get_block
    monkeypatch.setattr(sdk.w3.eth, "get_block", lambda n, *a, **kw: reads.append(n) or get_block(n, *a, **kw))

    first = signed_in.get(f"/customer/publish/{built['publish']}").get_json()

    assert first["state"] == "failed"  # the nonce went to another call: nothing was published
    assert "replaced the transaction by another" in first["error"]
    assert len(reads) == len(set(reads))


def test_publish__someone_elses_publication__refused(app, signed_in, other_customer):
    signed_in.htmx("/customer/cart", _line(_design_id(signed_in)))
    signed_in.htmx("/customer/shipping", SHIPPING)
    built = signed_in.post("/customer/publish").get_json()
    other = Browser(app)
    other.sign_in(other_customer)

    assert other.get(f"/customer/publish/{built['publish']}").status_code == 400


def test_quote__real_slicer_run__time_and_filament(signed_in):
    design = _design_id(signed_in, box(20, 30, 10))

    page = signed_in.htmx(f"/customer/designs/{design}/quote", _line(design)).get_data(as_text=True)

    assert "Quote from a PrusaSlicer run" in page
    found = re.search(r"<strong>(?:(\d+) h )?(\d+) min</strong> of printing and\s+<strong>([0-9.]+) g</strong>", page)
    assert found, page
    assert float(found.group(3)) > 0


def test_quote__resin__no_fdm_quote_said_why(signed_in):
    design = _design_id(signed_in)

    page = signed_in.htmx(f"/customer/designs/{design}/quote", _line(design, material="Resin")).get_data(as_text=True)

    assert "No quote" in page
    assert "cannot be sliced for FDM" in page


@pytest.mark.parametrize(
    ("field", "value"), [("layer_height", "0.01"), ("layer_height", "thin"), ("infill", "101"), ("material", "gold")]
)
def test_quote__bad_setting__refused_naming_the_field(signed_in, field, value):
    design = _design_id(signed_in)

    answer = signed_in.htmx(f"/customer/designs/{design}/quote", _line(design) | {field: value})

    assert answer.status_code == 400
    assert answer.get_json()["field"] == field


def test_cart__line_carries_its_quote(signed_in):
    page = signed_in.htmx("/customer/cart", _line(_design_id(signed_in))).get_data(as_text=True)

    assert re.search(r"<td>\d+ min, [0-9.]+ g</td>", page), page


def test_choices__only_what_a_fitting_published_printer_offers_is_selectable(
    signed_in, sdk, storage, signer_of, servicer
):
    from offchain.services.twin_service import TwinService
    from offchain.twins.schema import example_of

    document = example_of("printer") | {"materials": ["PLA"], "colours": ["black"]}
    TwinService(sdk, storage).publish(document, signer=signer_of(servicer))

    page = signed_in.htmx("/customer/designs", stl=(box(20, 30, 10), "small.stl")).get_data(as_text=True)

    assert "<option>PLA</option>" in page
    assert "<option>black</option>" in page
    assert ">ABS — not offered</option>" in page
    assert ">white — not offered</option>" in page
    assert "1 of 1 published printers" in page


def test_store__database_of_an_earlier_version__gets_the_newer_columns(tmp_path):
    import sqlite3

    from web.platform.store import Store

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE publish (id INTEGER PRIMARY KEY, address TEXT NOT NULL, lines TEXT NOT NULL, "
                   "shipping TEXT NOT NULL, tx_hash TEXT, state TEXT NOT NULL, orders TEXT, error TEXT, "
                   "created REAL NOT NULL)")  # fmt: skip
        db.execute("INSERT INTO publish VALUES (1, '0xa', '[]', '{}', NULL, 'built', NULL, NULL, 0)")

    store = Store(path)

    assert store.publishes("0xa")[0].nonce is None
    store.set_submitted(1, "0x" + "11" * 32, "0xa", 7, 100)
    assert store.publishes("0xa")[0].nonce == 7


def test_design_file__owner_only(app, signed_in, other_customer):
    design = _design_id(signed_in, box(20, 30, 10))

    mine = signed_in.get(f"/customer/designs/{design}/stl")
    assert mine.status_code == 200
    assert mine.data == box(20, 30, 10)
    assert mine.mimetype == "model/stl"
    other = Browser(app)
    other.sign_in(other_customer)
    assert other.get(f"/customer/designs/{design}/stl").status_code == 400
    assert Browser(app).get(f"/customer/designs/{design}/stl").status_code == 401


def test_scale__too_large_design__offered_on_request_and_the_copy_fits(signed_in, sdk, storage, signer_of, servicer):
    from offchain.services.twin_service import TwinService
    from offchain.twins.schema import example_of

    document = example_of("printer") | {"colours": ["white", "black"]}  # 250 × 210 × 210 mm
    TwinService(sdk, storage).publish(document, signer=signer_of(servicer))
    page = signed_in.htmx("/customer/designs", stl=(box(500, 100, 100), "big.stl")).get_data(as_text=True)
    assert "Too large for every published printer" in page
    factor = re.search(r'name="factor" value="([0-9.]+)"', page).group(1)
    assert factor == "0.5"  # 500 mm long on a 250 mm plate
    design = int(re.search(r'data-design="(\d+)"', page).group(1))

    page = signed_in.htmx(f"/customer/designs/{design}/scale", {"factor": factor}).get_data(as_text=True)

    assert "big (scaled 50%).stl" in page
    assert "250.0 × 50.0 × 50.0 mm" in page
    assert "1 of 1 published printers" in page
    assert page.count("data-design=") == 2  # the original is kept


@pytest.mark.parametrize("factor", ["0", "-1", "huge", "1000"])
def test_scale__bad_factor__refused(signed_in, factor):
    design = _design_id(signed_in)

    answer = signed_in.htmx(f"/customer/designs/{design}/scale", {"factor": factor})

    assert answer.status_code == 400
    assert answer.get_json()["field"] == "factor"


def _published(signed_in, sdk):
    """A cart of one published and mined the way the page does it; its order id."""
    signed_in.htmx("/customer/cart", _line(_design_id(signed_in)))
    signed_in.htmx("/customer/shipping", SHIPPING)
    built = signed_in.post("/customer/publish").get_json()
    tx_hash = send_as_wallet(sdk, built["tx"])
    state = signed_in.post(f"/customer/publish/{built['publish']}/submitted", {"hash": tx_hash}).get_json()
    return state["orders"][0], tx_hash


def test_cancel__own_placed_order__call_for_the_wallet_then_refused_decoded_once_cancelled(signed_in, sdk):
    order, _ = _published(signed_in, sdk)

    built = signed_in.post(f"/customer/orders/{order}/cancel").get_json()
    assert built["summary"] == "OrderBook.cancelOrder"
    send_as_wallet(sdk, built["tx"])

    again = signed_in.post(f"/customer/orders/{order}/cancel")  # simulated: the wallet would never open
    assert again.status_code == 409
    assert again.get_json()["details"]["custom_error"] == "OrderBookInvalidTransition"
    assert "OrderBook.cancelOrder refused" in again.get_json()["message"]


def test_cancel__someone_elses_order__refused_decoded(app, signed_in, sdk, other_customer):
    order, _ = _published(signed_in, sdk)
    other = Browser(app)
    other.sign_in(other_customer)

    answer = other.post(f"/customer/orders/{order}/cancel")

    assert answer.status_code == 403
    assert answer.get_json()["details"]["custom_error"] == "OrderBookNotCustomer"


def test_tx_state__mined_unknown_and_malformed(signed_in, sdk):
    _order, tx_hash = _published(signed_in, sdk)

    assert signed_in.get(f"/api/tx/{tx_hash}").get_json()["state"] == "mined"
    assert signed_in.get("/api/tx/0x" + "ab" * 32).get_json()["state"] == "unknown"
    assert signed_in.get("/api/tx/0x12").status_code == 400


def test_shipping_of_order__the_customer_sees_it_verified_a_stranger_does_not(app, signed_in, sdk, stranger):
    order, _ = _published(signed_in, sdk)

    mine = signed_in.get(f"/api/orders/{order}/shipping").get_json()
    assert mine["shipping"] == SHIPPING
    assert mine["verified"] is True
    other = Browser(app)
    other.sign_in(stranger)
    refused = other.get(f"/api/orders/{order}/shipping")
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "RoleRequiredError"


def test_shipping_of_order__printer_owner_while_matched_not_after_a_fault(
    app, signed_in, sdk, signer_of, servicer, matcher, operator
):
    """The matched printer's owner reads the shipping data while the match is live; after a fault sends the order
    to rework, no longer (the index kept the faulting printer as the order's twin)."""
    order, _ = _published(signed_in, sdk)
    twin = match_order(sdk, signer_of, servicer, matcher, order)
    app.extensions["imse"].index.sync()
    owner = Browser(app)
    owner.sign_in(servicer)
    assert owner.get(f"/api/orders/{order}/shipping").get_json()["shipping"] == SHIPPING

    shop = signer_of(servicer)
    shop.transact(sdk.twin_registry.build_set_operator(twin, operator.address, True, sender=servicer.address))
    shop.transact(sdk.execution_log.build_assign(order, operator.address, sender=servicer.address))
    signer_of(operator).transact(sdk.execution_log.build_start(order, sender=operator.address))
    signer_of(operator).transact(sdk.execution_log.build_fault(order, 1, sender=operator.address))
    app.extensions["imse"].index.sync()

    refused = owner.get(f"/api/orders/{order}/shipping")
    assert refused.status_code == 403
    assert signed_in.get(f"/api/orders/{order}/shipping").status_code == 200  # the customer always


def test_quote__nozzle_temperature__used_and_range_checked(signed_in):
    design = _design_id(signed_in)

    assert "Quote from a PrusaSlicer run" in signed_in.htmx(
        f"/customer/designs/{design}/quote", _line(design) | {"nozzle_temp": "215"}
    ).get_data(as_text=True)
    refused = signed_in.htmx(f"/customer/designs/{design}/quote", _line(design) | {"nozzle_temp": "100"})
    assert refused.get_json()["field"] == "nozzle_temp"


def test_cart__fragment_for_the_page_after_publishing(signed_in):
    signed_in.htmx("/customer/cart", _line(_design_id(signed_in)))

    assert "data-line=" in signed_in.get("/customer/cart").get_data(as_text=True)


def test_cart__pair_no_fitting_printer_offers__refused(signed_in, sdk, storage, signer_of, servicer, other_servicer):
    from offchain.services.twin_service import TwinService
    from offchain.twins.schema import example_of

    service = TwinService(sdk, storage)
    service.publish(example_of("printer") | {"materials": ["PLA"], "colours": ["white"]}, signer=signer_of(servicer))
    service.publish(
        example_of("printer") | {"materials": ["ABS"], "colours": ["black"]}, signer=signer_of(other_servicer)
    )
    design = _design_id(signed_in)

    refused = signed_in.htmx("/customer/cart", _line(design, material="PLA", colour="black"))
    accepted = signed_in.htmx("/customer/cart", _line(design, material="ABS", colour="black"))

    assert refused.status_code == 400
    assert refused.get_json()["field"] == "colour"
    assert "offers PLA in black" in refused.get_json()["message"]
    assert accepted.status_code == 200


# ---------------------------------------------------------------------------------------------- quotas (issue 19.8)


def _binary_header(triangles: int) -> bytes:
    """A binary STL of `triangles` (zero) triangles: its count alone must refuse it."""
    import struct

    return b"\0" * 80 + struct.pack("<I", triangles) + b"\0" * 50 * triangles


def test_upload__more_triangles_than_the_web_takes__refused_before_parsing(signed_in, monkeypatch):
    import trimesh

    from web.customer import quota

    assert quota.WEB_MAX_TRIANGLES == 500_000  # (a 49 MB binary STL holds ~1 M triangles and took ~1 GB to parse)
    monkeypatch.setattr(quota, "WEB_MAX_TRIANGLES", 1_000)  # a small file for the test client
    parsed: list[int] = []
    monkeypatch.setattr(trimesh, "load", lambda *a, **kw: parsed.append(1))
    answer = signed_in.htmx("/customer/designs", stl=(_binary_header(1_001), "huge.stl"))

    assert answer.status_code == 400
    assert "1,001 triangles is over the limit of 1,000" in answer.get_json()["message"]
    assert parsed == []  # refused from the header, no mesh built


def test_upload__ascii_over_the_triangle_limit__refused_while_counting(signed_in, monkeypatch):
    monkeypatch.setattr("web.customer.quota.WEB_MAX_TRIANGLES", 11)
    answer = signed_in.htmx("/customer/designs", stl=(box(ascii=True), "a.stl"))  # 12 facets

    assert answer.status_code == 400
    assert "more than 11 triangles" in answer.get_json()["message"]


def test_upload__past_the_accounts_quota__refused_and_a_removal_makes_room(signed_in, monkeypatch):
    monkeypatch.setattr("web.customer.quota.MAX_DESIGNS", 2)
    first = _design_id(signed_in, box(10, 10, 10), "a.stl")
    _design_id(signed_in, box(11, 10, 10), "b.stl")

    refused = signed_in.htmx("/customer/designs", stl=(box(12, 10, 10), "c.stl"))
    assert refused.status_code == 429
    assert refused.get_json()["field"] == "stl"
    assert "the limit is 2 designs" in refused.get_json()["message"]

    assert "a.stl" not in signed_in.htmx(f"/customer/designs/{first}/remove").get_data(as_text=True)
    assert signed_in.htmx("/customer/designs", stl=(box(12, 10, 10), "c.stl")).status_code == 200


def test_remove_design__in_the_cart__refused(signed_in):
    design = _design_id(signed_in)
    signed_in.htmx("/customer/cart", _line(design))

    answer = signed_in.htmx(f"/customer/designs/{design}/remove")

    assert answer.status_code == 400
    assert "is in your cart" in answer.get_json()["message"]


def test_designs__older_than_the_retention_and_not_in_a_cart__removed_with_their_files(app, signed_in):
    platform = app.extensions["imse"]
    old = _design_id(signed_in, box(10, 10, 10), "old.stl")
    carted = _design_id(signed_in, box(11, 10, 10), "carted.stl")
    signed_in.htmx("/customer/cart", _line(carted))
    with platform.store.connection() as db:
        db.execute("UPDATE design SET created = created - 31 * 86400")
    old_sha = platform.store.design(signed_in_address(signed_in), old).sha256

    signed_in.htmx("/customer/designs", stl=(box(12, 10, 10), "new.stl"))  # an upload runs the clean-up

    names = [d.name for d in platform.store.designs(signed_in_address(signed_in))]
    assert sorted(names) == ["carted.stl", "new.stl"]
    with pytest.raises(FileNotFoundError):
        platform.designs.read(old_sha)


def signed_in_address(browser: Browser) -> str:
    return browser.get("/auth/me").get_json()["address"]


def test_quote__settings_on_a_grid__and_counted_per_account(app, signed_in, monkeypatch):
    from web.platform.limits import RateLimiter

    monkeypatch.setattr(app.extensions["imse"].limiters, "quotes", RateLimiter(2, 600))
    design = _design_id(signed_in)

    first = signed_in.htmx(f"/customer/designs/{design}/quote", _line(design) | {"layer_height": "0.21",
                                                                                "infill": "23"})  # fmt: skip
    second = signed_in.htmx(f"/customer/designs/{design}/quote", _line(design) | {"layer_height": "0.19"})
    third = signed_in.htmx(f"/customer/designs/{design}/quote", _line(design))

    assert "at 0.2 mm layers and 25 % infill" in first.get_data(as_text=True)
    assert "at 0.2 mm layers" in second.get_data(as_text=True)
    assert third.status_code == 429
    assert "too many quotes" in third.get_json()["message"]


def test_upload__parsing_slots_all_taken__refused_busy(signed_in, monkeypatch):
    from web.customer import quota

    monkeypatch.setattr(quota, "HEAVY_WAIT", 0.05)
    taken = [quota._heavy.acquire() for _ in range(quota.HEAVY_AT_ONCE)]
    try:
        answer = signed_in.htmx("/customer/designs", stl=(box(), "part.stl"))
    finally:
        for _ in taken:
            quota._heavy.release()

    assert answer.status_code == 429
    assert "the server is busy measuring other designs" in answer.get_json()["message"]


def test_reclaim__printer_holds_the_order_far_too_long__take_back_offered_and_built(
    app, signed_in, sdk, signer_of, servicer, matcher, chain
):
    """Issue 19, point 16: a printer could hold an order in Printing forever. Past 3 × the estimate the customer
    is offered Take back; before, the refusal says the printer still has time."""
    order, _ = _published(signed_in, sdk)
    match_order(sdk, signer_of, servicer, matcher, order)
    signer_of(servicer).transact(sdk.execution_log.build_start(order, sender=servicer.address))
    app.extensions["imse"].index.sync()

    early = signed_in.post(f"/customer/orders/{order}/reclaim")
    assert early.status_code == 409
    assert early.get_json()["details"]["custom_error"] == "ExecutionLogNotStalled"
    assert "data-reclaim" not in signed_in.get("/customer/orders").get_data(as_text=True)

    chain.pending_timestamp = sdk.execution_log.reclaim_deadline(order) + 1
    chain.mine()
    assert f'data-reclaim="{order}"' in signed_in.get("/customer/orders").get_data(as_text=True)
    built = signed_in.post(f"/customer/orders/{order}/reclaim").get_json()
    assert built["summary"] == "ExecutionLog.reclaimStalled"
    send_as_wallet(sdk, built["tx"])
    assert sdk.order_book.status(order).name == "REWORK"
