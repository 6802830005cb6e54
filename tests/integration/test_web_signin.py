"""The web platform in a real browser (Debian's Chromium through Playwright) against the real clique network, with an
injected test wallet that keeps MetaMask's rules: connect → switch (unknown chain) → add the chain through the site's
own /rpc → sign in with Ethereum → signed in with the roles read from chain. Also: a rejected signature, and the
session ending when the wallet switches account."""

from __future__ import annotations

from playwright.sync_api import expect

from offchain.bench.browser import TestWallet
from tests.integration.conftest import dev_account, screenshot


def test_sign_in__fresh_wallet_on_another_chain__adds_the_chain_and_signs_in(web_server, new_page, network):
    wallet = TestWallet(chain_id=1)
    page = new_page(wallet)
    page.goto(web_server)
    expect(page.locator("#connect")).to_be_visible()
    screenshot(page, "home-signed-out")

    page.click("#connect")
    expect(page.locator("#wallet-status")).to_contain_text(f"Wallet on chain 1, not {network.chain_id}")
    page.click("#add-network")  # switch → 4902 → wallet_addEthereumChain with /api/chain → chainChanged → reload
    expect(page.locator("#sign-in")).to_be_visible()
    assert wallet.chain_id == network.chain_id
    assert wallet.chains[network.chain_id]["rpcUrls"] == [f"{web_server}rpc"]

    page.click("#sign-in")
    expect(page.locator("#wallet-status")).to_contain_text("Signed in as")
    expect(page.locator("#roles")).to_contain_text("customer")
    expect(page.locator("#account")).to_contain_text(wallet.address)
    assert wallet.requests.count("personal_sign") == 1
    screenshot(page, "home-signed-in")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    screenshot(page, "home-signed-in-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the screen


def _connected(new_page, web_server, network, wallet):
    """A page with `wallet` already on the platform's chain (added before), connected."""
    wallet.chain_id = network.chain_id
    wallet.chains[network.chain_id] = {"rpcUrls": [f"{web_server}rpc"]}
    page = new_page(wallet)
    page.goto(web_server)
    page.click("#connect")
    return page


def _me(page):
    return page.evaluate("fetch('/auth/me').then(r => r.json())")


def test_sign_in__matcher_key__matcher_role_shown(web_server, new_page, network):
    page = _connected(new_page, web_server, network, TestWallet(dev_account(3).key.hex()))

    page.click("#sign-in")

    expect(page.locator("#roles")).to_contain_text("matcher")


def test_sign_in__signature_rejected__said_plainly_and_still_signed_out(web_server, new_page, network):
    wallet = TestWallet()
    wallet.reject.add("personal_sign")
    page = _connected(new_page, web_server, network, wallet)

    page.click("#sign-in")

    expect(page.locator("#notice")).to_contain_text("You rejected the request in your wallet")
    expect(page.locator("#sign-in")).to_be_visible()
    assert _me(page)["signed_in"] is False
    screenshot(page, "sign-in-rejected")


def test_account_changed__session_ends(web_server, new_page, network):
    wallet = TestWallet()
    page = _connected(new_page, web_server, network, wallet)
    page.click("#sign-in")
    expect(page.locator("#wallet-status")).to_contain_text("Signed in as")

    wallet.switch_account(page)

    expect(page.locator("#sign-in")).to_be_visible()  # logged out, reloaded: the new account must sign in itself
    expect(page.locator("#wallet-status")).to_contain_text(f"Connected {wallet.address.lower()[:6]}")
    assert _me(page)["signed_in"] is False
