"""The customer explorer in Chromium on the real network, swarm and web server, with the injected test wallet: upload
two STL designs → measured → cart of two → shipping → publish (designs on IPFS, one placeOrders signed and sent by
the wallet) → "Published" with the order ids → My orders shows them Placed; the customer cancels one through the
SDK and the page shows it Cancelled without a reload. Also: the wallet refusing the transaction."""

from __future__ import annotations

import os
import re
import subprocess
from contextlib import closing

import pytest
from playwright.sync_api import expect

from offchain.bench.browser import TestWallet, signed_in_client
from offchain.bench.match_latency import prepare
from offchain.bot.service import bot_command
from offchain.chain.connection import connect
from offchain.chain.signer import Signer
from offchain.printing.samples import box
from offchain.storage.kubo import KuboStorage
from tests.integration.conftest import dev_account, screenshot

CUSTOMER = 8  # a genesis-funded dev account no other integration test uses
SERVICER, MATCHER = 1, 3


@pytest.fixture(scope="module")
def printing(network, registry_file, registry, ipfs, tmp_path_factory):
    """Three printers published (all day, PLA/PETG/ABS, white/black/grey/red), a rule, and the matcher bot running
    on the matcher node as `make up` runs it; yields (chain, twin ids)."""
    chain = connect(network.node("matcher").rpc_url, registry)
    with KuboStorage(ipfs.nodes[0].api_url) as store:
        prepared = prepare(chain, store, Signer(chain, dev_account(SERVICER)), Signer(chain, dev_account(MATCHER)),
                           designs=[])  # fmt: skip
    folder = tmp_path_factory.mktemp("web-bot")
    command = bot_command(network.node("matcher").rpc_url, registry_file, ipfs.nodes[1].api_url, prepared.rule_id,
                          folder, confirmations=1)  # fmt: skip
    env = {**os.environ, "IMSE_MATCHER_KEY": dev_account(MATCHER).key.hex()}
    with (folder / "bot.log").open("ab") as log:
        bot = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield chain, prepared.twin_ids
    finally:
        bot.terminate()
        bot.wait(timeout=30)


def _signed_in(new_page, web_server, network, wallet, tmp_path):
    wallet.chain_id = network.chain_id
    wallet.chains[network.chain_id] = {"rpcUrls": [f"{web_server}rpc"]}
    page = new_page(wallet)
    page.goto(web_server)
    page.click("#connect")
    page.click("#sign-in")
    expect(page.locator("#wallet-status")).to_contain_text("Signed in as")
    page.goto(f"{web_server}customer/")
    return page


def _fill_cart(page, tmp_path):
    for name, size in (("bracket.stl", (20, 30, 10)), ("spacer.stl", (40, 10, 5))):
        path = tmp_path / name
        path.write_bytes(box(*size))
        page.set_input_files("#upload-form input[name=stl]", str(path))
        page.click("#upload-form button[type=submit]")
        expect(page.locator("#designs")).to_contain_text(name)
        page.locator(".design.fresh", has_text=name).locator("button", has_text="Add to cart").click()  # just uploaded
        expect(page.locator("#cart")).to_contain_text(name)
    for field, value in (("name", "Ada Lovelace"), ("street", "1 Sq"), ("postcode", "SW1"), ("city", "London"),
                         ("country", "UK"), ("email", "ada@example.org")):  # fmt: skip
        page.fill(f"#shipping input[name={field}]", value)
    page.click("#shipping button[type=submit]")
    expect(page.locator("#shipping")).to_contain_text("Saved.")


def test_customer__upload_cart_publish__orders_placed_and_live(web_server, new_page, network, registry_file, tmp_path):
    wallet = TestWallet(dev_account(CUSTOMER).key.hex())
    page = _signed_in(new_page, web_server, network, wallet, tmp_path)
    _fill_cart(page, tmp_path)
    expect(page.locator("#designs")).to_contain_text("20.0 × 30.0 × 10.0 mm")
    screenshot(page, "customer-cart")

    design = page.locator(".design").first
    design.locator("[data-preview]").click()  # three.js is loaded only now
    preview = design.locator(".preview")
    expect(preview).to_have_attribute("data-rendered", "true")
    colours = page.evaluate(
        """(box) => { const c = box.querySelector('canvas'); const copy = document.createElement('canvas');
        copy.width = c.width; copy.height = c.height; const g = copy.getContext('2d'); g.drawImage(c, 0, 0);
        const px = g.getImageData(0, 0, c.width, c.height).data; const seen = new Set();
        for (let i = 0; i < px.length; i += 4 * 97) seen.add(`${px[i]},${px[i + 1]},${px[i + 2]}`);
        return seen.size; }""",
        preview.element_handle(),
    )
    screenshot(page, "customer-preview")
    assert colours > 4, f"the preview canvas is blank ({colours} colours)"  # a lit, shaded part on a background

    page.click("#publish-cart")

    expect(page.locator("#tx-status")).to_contain_text("Published: orders #", timeout=60_000)
    assert wallet.requests.count("eth_sendTransaction") == 1
    ids = [int(i) for i in re.findall(r"#(\d+)", page.locator("#tx-status").inner_text())]
    assert len(ids) == 2
    screenshot(page, "customer-published")
    orders = page.locator("#orders-table")
    for order_id in ids:
        expect(orders.locator(f"tr[data-order='{order_id}']")).to_contain_text("Placed")
    expect(page.locator("#cart")).to_contain_text("Your cart is empty")
    page.wait_for_selector("body[data-wallet-ready='true']")  # the reloaded page's scripts listen

    orders.locator(f"tr[data-order='{ids[0]}'] [data-cancel]").click()  # signed in the wallet
    expect(page.locator("#orders-status")).to_contain_text(f"Order #{ids[0]} cancelled in block", timeout=30_000)
    expect(orders.locator(f"tr[data-order='{ids[0]}']")).to_contain_text("Cancelled", timeout=15_000)
    screenshot(page, "customer-orders")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: tables scroll inside their cards
    screenshot(page, "customer-orders-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 860})
    sent = wallet.requests.count("eth_sendTransaction")
    page.evaluate("(id) => window.imseCustomer.cancelOrder(id)", ids[0])  # a stale page: cancelled already
    expect(page.locator("#orders-status")).to_contain_text("OrderBook.cancelOrder refused: OrderBookInvalidTransition")
    assert wallet.requests.count("eth_sendTransaction") == sent  # refused in the simulation: the wallet never opened

    orders.locator(f"tr[data-order='{ids[0]}'] a").first.click()  # the order's timeline in the ledger explorer
    expect(page.locator("#timeline")).to_contain_text("OrderPlaced")
    expect(page.locator("#timeline")).to_contain_text("OrderStatusChanged")
    page.goto(f"{web_server}explorer/")
    expect(page.locator("#transactions")).to_contain_text("OrderPlaced")
    expect(page.locator("#blocks")).to_contain_text("0x")  # each block with its clique signer
    screenshot(page, "ledger-explorer")


def test_customer__wallet_rejects_the_transaction__said_plainly_and_cart_kept(web_server, new_page, network, tmp_path):
    wallet = TestWallet(dev_account(CUSTOMER).key.hex())
    wallet.reject.add("eth_sendTransaction")
    page = _signed_in(new_page, web_server, network, wallet, tmp_path)
    _fill_cart(page, tmp_path)

    page.click("#publish-cart")

    expect(page.locator("#tx-status")).to_contain_text("You rejected the request in your wallet")
    expect(page.locator("#cart")).to_contain_text("bracket.stl")


def test_customer__bot_matches_then_printed__the_page_follows_without_reload(
    web_server, new_page, network, printing, tmp_path
):
    chain, twins = printing
    wallet = TestWallet(dev_account(CUSTOMER).key.hex())
    page = _signed_in(new_page, web_server, network, wallet, tmp_path)
    _fill_cart(page, tmp_path)
    page.click("#publish-cart")
    expect(page.locator("#tx-status")).to_contain_text("Published: orders #", timeout=60_000)
    ids = [int(i) for i in re.findall(r"#(\d+)", page.locator("#tx-status").inner_text())]
    rows = page.locator("#orders-table")

    for order_id in ids:  # the bot matches them; the index pushes the change to this open page
        expect(rows.locator(f"tr[data-order='{order_id}']")).to_contain_text("Matched", timeout=90_000)
    row = rows.locator(f"tr[data-order='{ids[0]}']")
    expect(row).to_contain_text("printer #")
    twin = int(re.search(r"printer #(\d+)", row.inner_text()).group(1))
    assert twin in twins
    screenshot(page, "customer-matched")

    with closing(signed_in_client(web_server, dev_account(SERVICER).key.hex())) as owner:  # the matched printer's owner
        shipping = owner.get(f"/api/orders/{ids[0]}/shipping")
    assert shipping.status_code == 200, shipping.text
    assert shipping.json()["shipping"]["name"] == "Ada Lovelace"
    assert shipping.json()["verified"] is True
    with closing(signed_in_client(web_server, dev_account(9).key.hex())) as stranger:
        assert stranger.get(f"/api/orders/{ids[0]}/shipping").status_code == 403

    servicer = Signer(chain, dev_account(SERVICER))
    servicer.transact(chain.execution_log.build_start(ids[0], sender=servicer.address))
    expect(row).to_contain_text("Printing", timeout=15_000)
    servicer.transact(chain.execution_log.build_finish(ids[0], sender=servicer.address))
    expect(row).to_contain_text("Printed", timeout=15_000)
    screenshot(page, "customer-printed")

    row.locator("a").first.click()
    timeline = page.locator("#timeline")
    for event in ("OrderPlaced", "OrderMatched", "TaskStarted", "TaskFinished"):
        expect(timeline).to_contain_text(event)


def test_customer__pending_then_reloaded_then_sped_up__the_page_follows_the_replacement(
    web_server, new_page, network, tmp_path
):
    wallet = TestWallet(dev_account(CUSTOMER).key.hex())
    page = _signed_in(new_page, web_server, network, wallet, tmp_path)
    _fill_cart(page, tmp_path)
    wallet.fee_cap_wei = 1  # far below the base fee: it stays pending

    page.click("#publish-cart")
    expect(page.locator("#tx-status")).to_contain_text("Submitted: waiting")
    page.reload()  # the page forgets; the server still follows the hash and tells the new page over SSE
    expect(page.locator("#tx-status")).to_contain_text("Submitted: waiting")
    wallet.fee_cap_wei = None
    replacement = wallet.speed_up()

    expect(page.locator("#tx-status")).to_contain_text("Published: orders #", timeout=60_000)
    assert page.locator("#tx-status a").get_attribute("href") == f"/ledger/tx/{replacement}"
    expect(page.locator("#cart")).to_contain_text("Your cart is empty")
