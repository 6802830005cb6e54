"""Gas for newcomers and the dev wallet, in Chromium on the real network, swarm and web server (its faucet runs from a
genesis-funded dev account): a fresh MetaMask-like account with no coins signs in → publishing is stopped by the
pre-flight check, which offers gas → the drip arrives, pushed to the page → the order is published. The dev wallet
(dev network only): an order placed by a browser with no wallet at all. On a consortium chain it is not offered."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from offchain.bench.browser import TestWallet
from tests.integration.conftest import WEB_PORT, screenshot, served
from tests.integration.test_web_customer import _fill_cart, _signed_in


def _balance(page) -> str:
    return page.locator("#gas-balance").inner_text()


def test_newcomer__no_coins__preflight_offers_gas__drip_pushed__order_published(
    web_server, new_page, network, tmp_path
):
    wallet = TestWallet()  # a brand-new account: balance 0
    page = _signed_in(new_page, web_server, network, wallet, tmp_path)
    expect(page.locator("#gas")).to_contain_text("Gas is this chain's own coin")
    assert _balance(page) == "0 IMSE"
    _fill_cart(page, tmp_path)

    page.click("#publish-cart")

    status = page.locator("#tx-status")
    expect(status).to_contain_text("Not enough to pay for this transaction")
    expect(status).to_contain_text("request gas")
    assert "eth_sendTransaction" not in wallet.requests  # the wallet never opened for a transaction it cannot pay
    screenshot(page, "gas-preflight")
    status.locator("button", has_text="Request gas").click()
    expect(page.locator("#gas")).to_contain_text("Gas is on its way")
    expect(page.locator("#gas-balance")).not_to_have_text("0 IMSE", timeout=30_000)  # pushed over SSE, no reload
    assert _balance(page) == "0.033 IMSE"
    expect(page.locator("#request-gas")).to_have_count(0)
    page.click("#publish-cart")
    expect(status).to_contain_text("Published: orders", timeout=30_000)
    page.goto(web_server)
    for step in ("wallet", "network", "signin", "gas", "order"):
        expect(page.locator(f"#guide-{step}")).to_have_attribute("data-done", "true")
    screenshot(page, "guide-done")


def test_dev_wallet__browser_without_a_wallet__places_an_order(web_server, new_page, tmp_path):
    page = new_page(None)  # no MetaMask, no injected provider
    page.goto(web_server)
    page.wait_for_selector("body[data-wallet-ready='true']")
    expect(page.locator("#wallet-status")).to_contain_text("No browser wallet found: use a dev wallet")
    expect(page.locator("#guide-wallet")).to_have_attribute("data-done", "false")
    screenshot(page, "dev-wallet-offered")
    page.click("#guide-hide")  # the guide is dismissible, and comes back from the footer
    page.reload()
    expect(page.locator("#guide")).to_be_hidden()
    page.click("#guide-show button")
    expect(page.locator("#guide")).to_be_visible()

    page.click("#dev-wallet")
    expect(page.locator("#notice")).to_contain_text("for this dev network only")
    expect(page.locator("#guide-wallet")).to_have_attribute("data-done", "true")
    expect(page.locator("#guide-network")).to_have_attribute("data-done", "true")
    page.click("#sign-in")  # personal_sign by the key in this browser; the server recovers the address
    expect(page.locator("#wallet-status")).to_contain_text("Signed in as")
    page.wait_for_selector("body[data-wallet-ready='true']")  # the reloaded page's scripts have run
    expect(page.locator("#wallet-status")).to_contain_text("dev wallet")
    address = page.evaluate("window.imseDevWallet.address()")
    assert page.locator("#account code.address").inner_text().lower() == address
    page.click("#request-gas")
    expect(page.locator("#gas-balance")).not_to_have_text("0 IMSE", timeout=30_000)
    expect(page.locator("#guide-gas")).to_have_attribute("data-done", "true")
    page.goto(f"{web_server}customer/")
    _fill_cart(page, tmp_path)
    page.click("#publish-cart")  # an EIP-1559 transaction signed in the browser, sent through /rpc
    expect(page.locator("#tx-status")).to_contain_text("Published: orders", timeout=30_000)
    expect(page.locator("#orders-live")).to_contain_text("Placed")
    page.reload()  # the key stays in the browser: still the same account
    page.wait_for_selector("body[data-wallet-ready='true']")
    assert page.evaluate("window.imseDevWallet.address()") == address
    screenshot(page, "dev-wallet-order")


@pytest.fixture(scope="module")
def consortium_server(network, registry_file, ipfs, tmp_path_factory):
    """The same chain served as a consortium would: deployed by a key that is not one of the well-known test
    accounts (the registry says who deployed), so it is not the dev network."""
    from web.platform.settings import WebSettings

    folder = tmp_path_factory.mktemp("consortium")
    registry = json.loads(registry_file.read_text())
    registry["deployer"] = "0x00000000000000000000000000000000000c0de1"
    (folder / "imse.json").write_text(json.dumps(registry))
    yield from served(WebSettings(port=WEB_PORT + 1, rpc_url=network.node("boot").rpc_url,
                                  registry=folder / "imse.json", ipfs_url=ipfs.nodes[0].api_url,
                                  state_dir=folder / "web"))  # fmt: skip


def test_dev_wallet__consortium_chain__not_offered_and_said_plainly(consortium_server, new_page):
    page = new_page(None)
    page.goto(consortium_server)
    page.wait_for_selector("body[data-wallet-ready='true']")

    expect(page.locator("#dev-wallet")).to_have_count(0)
    assert page.evaluate("typeof window.imseDevWallet") == "undefined"
    expect(page.locator("#guide-wallet")).to_contain_text("The dev wallet is offered only on the local dev network")
    expect(page.locator("#wallet-status")).to_have_text("No browser wallet found")


def test_admin__sees_the_drips_in_the_faucet_page(web_server, new_page, network, tmp_path):
    from tests.integration.conftest import dev_account

    newcomer = TestWallet()
    page = _signed_in(new_page, web_server, network, newcomer, tmp_path)
    page.click("#request-gas")
    expect(page.locator("#gas-balance")).not_to_have_text("0 IMSE", timeout=30_000)
    admin = _signed_in(new_page, web_server, network, TestWallet(dev_account(0).key.hex()), tmp_path)  # TEST::0

    admin.click("#faucet-link")

    expect(admin.locator("h1")).to_have_text("Faucet")
    row = admin.locator("#drips tr", has_text=newcomer.address.lower())
    expect(row).to_contain_text("mined")
    expect(row).to_contain_text("0.033 IMSE")
    expect(admin.locator("#faucet-today")).to_contain_text("of 50 IMSE")
    screenshot(admin, "faucet-admin")
