"""The ledger explorer through Flask's test client on the real contracts: latest blocks and platform transactions from
the index, a transaction with its decoded function, arguments and events, a block, an address with its roles and
orders, an order's timeline, a twin, and search; unknown things are a clear 404 / 400."""

from __future__ import annotations

import pytest


@pytest.fixture
def placed(app, place, sdk):
    order = place(quantity=3)
    app.extensions["imse"].index.sync()
    return order, sdk.order_book.placed_order(order).tx_hash


def test_home__blocks_and_platform_transactions(browser, placed):
    _order, tx = placed

    page = browser.get("/ledger/").get_data(as_text=True)

    assert "Latest blocks" in page
    assert tx[:10] in page
    assert "OrderPlaced" in page


def test_transaction__decoded_function_arguments_and_events(browser, placed, customer):
    order, tx = placed

    page = browser.get(f"/ledger/tx/{tx}").get_data(as_text=True)

    assert "OrderBook.placeOrder" in page
    assert "OrderBook.OrderPlaced" in page
    assert "success" in page
    assert f'<dd class="mono">{order}</dd>' in page


def test_block__its_transactions(browser, placed, sdk):
    _order, tx = placed
    number = sdk.w3.eth.get_transaction(tx)["blockNumber"]

    page = browser.get(f"/ledger/block/{number}").get_data(as_text=True)

    assert f"Block {number}" in page
    assert "OrderBook.placeOrder" in page


def test_address__roles_and_orders(browser, placed, customer, matcher):
    order, _tx = placed

    page = browser.get(f"/ledger/address/{customer.address}").get_data(as_text=True)
    assert f"#{order}" in page
    assert '<span class="tag">customer</span>' in page
    assert '<span class="tag">matcher</span>' in browser.get(f"/ledger/address/{matcher.address}").get_data(
        as_text=True
    )


def test_order__timeline(browser, placed, sdk, signer_of, customer, app):
    order, _tx = placed
    signer_of(customer).transact(sdk.order_book.build_cancel(order, sender=customer.address))
    app.extensions["imse"].index.sync()

    page = browser.get(f"/ledger/order/{order}").get_data(as_text=True)

    assert "Cancelled" in page
    assert page.index("OrderPlaced") < page.index("OrderStatusChanged")


@pytest.mark.parametrize(
    ("query", "lands_on"),
    [("order 1", "/ledger/order/1"), ("#1", "/ledger/order/1"), ("twin 2", "/ledger/twin/2"),
     ("block 3", "/ledger/block/3"), ("3", "/ledger/block/3")],
)  # fmt: skip
def test_search__each_kind_of_query(browser, query, lands_on):
    answer = browser.get("/ledger/search", query_string={"q": query})

    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(lands_on)


def test_search__hash_and_address(browser, placed, customer):
    _order, tx = placed

    assert browser.get(f"/ledger/search?q={tx}").headers["Location"].endswith(f"/ledger/tx/{tx}")
    assert browser.get(f"/ledger/search?q={customer.address.lower()}").headers["Location"].endswith(customer.address)


def test_search__nonsense__clear_error(browser):
    answer = browser.get("/ledger/search?q=hello%20world")

    assert answer.status_code == 400
    assert "nothing to search for" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["/ledger/order/99999", "/ledger/twin/99999", "/ledger/block/99999999", "/ledger/tx/0x1234",
     "/ledger/tx/0x" + "ab" * 32, "/ledger/address/0x12"],
)  # fmt: skip
def test_unknown__404_in_place(browser, path):
    answer = browser.get(path)

    assert answer.status_code == 404
    assert "Back to the start page" in answer.get_data(as_text=True)


def test_chain_parameters__block_explorer_is_ours(browser):
    assert browser.get("/api/chain").get_json()["blockExplorerUrls"] == ["http://127.0.0.1:30600/ledger/"]
