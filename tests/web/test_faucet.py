"""The faucet through Flask's test client on ape's in-process EVM: a drip after sign-in, and each refusal — above
the threshold, within the period, past the daily budget, past the per-client rate limit, signed out, no faucet —
every drip recorded and shown to the admin only; the pre-flight gas check; the key never on a page or in a log."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from eth_account import Account

from offchain.exceptions import ConfigError
from tests.web.conftest import Browser
from tests.web.test_customer import SHIPPING, _design_id, _line
from web.app import create_app
from web.platform.faucet_policy import ETHER, MONTH_GAS, FaucetPolicy, coins, month_wei
from web.platform.settings import WebSettings

CUSTOMER_DRIP = month_wei("customer")


@pytest.fixture
def faucet_key(accounts) -> str:
    return "0x" + bytes.fromhex(accounts[9].private_key.removeprefix("0x")).hex()


def make_app(sdk, tmp_path, node_rpc, storage, *, key: str, policy: FaucetPolicy | None = None, trusted_proxy=""):
    settings = WebSettings(state_dir=tmp_path / "web", secret_key="test-key", faucet_key=key,
                           faucet=policy or FaucetPolicy(), trusted_proxy=trusted_proxy)  # fmt: skip
    app = create_app(settings, chain=sdk, node_rpc=node_rpc, storage=storage, follow=False)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def faucet_app(sdk, tmp_path, node_rpc, storage, faucet_key):
    return make_app(sdk, tmp_path, node_rpc, storage, key=faucet_key)


def fresh() -> SimpleNamespace:
    """A new account with no coins, as a newcomer's MetaMask makes one."""
    account = Account.create()
    return SimpleNamespace(address=account.address, private_key=account.key.hex(), key=account.key)


def signed_in(app, account, client: str = "127.0.0.1") -> Browser:
    browser = Browser(app)
    browser.client.environ_base["REMOTE_ADDR"] = client
    browser.sign_in(account)
    return browser


def faucet_of(app):
    return app.extensions["imse"].faucet


def balance(sdk, address: str) -> int:
    return int(sdk.w3.eth.get_balance(address))


def test_drip__fresh_account_after_sign_in__gets_a_month_of_gas_recorded(faucet_app, sdk):
    newcomer = fresh()
    browser = signed_in(faucet_app, newcomer)
    card = browser.get("/gas/card").get_data(as_text=True)
    assert 'id="request-gas"' in card
    assert "Gas is this chain's own coin" in card  # the one line on what gas is

    answer = browser.htmx("/gas/request")

    assert answer.status_code == 202
    assert "Gas is on its way" in answer.get_data(as_text=True)
    assert 'sse-connect="/gas/events"' in answer.get_data(as_text=True)  # the page is pushed the outcome
    assert faucet_of(faucet_app).process() == 1  # the faucet's thread, here in-line
    assert balance(sdk, newcomer.address) == CUSTOMER_DRIP
    (drip,) = faucet_of(faucet_app).ledger.recent()
    assert (drip.address, drip.amount_wei, drip.state, drip.client) == (
        newcomer.address.lower(), CUSTOMER_DRIP, "mined", "loopback")  # fmt: skip
    assert drip.tx_hash
    assert drip.block
    state = browser.get("/gas/state").get_json()
    assert state["balance_wei"] == str(CUSTOMER_DRIP)
    assert state["refusal"]["reason"] == "above_threshold"


def test_drip__json_request__answers_the_drip(faucet_app):
    answer = signed_in(faucet_app, fresh()).post("/gas/request")

    assert answer.status_code == 202
    assert answer.get_json()["amount_wei"] == str(CUSTOMER_DRIP)
    assert answer.get_json()["state"] == "queued"


def test_drip__above_threshold__refused(faucet_app, customer):
    answer = signed_in(faucet_app, customer).post("/gas/request")  # a funded test account

    assert answer.status_code == 429
    assert answer.get_json()["details"]["reason"] == "above_threshold"
    assert "enough for now" in answer.get_json()["message"]
    assert faucet_of(faucet_app).ledger.recent() == []
    assert 'id="request-gas"' not in signed_in(faucet_app, customer).get("/gas/card").get_data(as_text=True)


def test_drip__twice_within_the_period__refused_even_once_spent(faucet_app, sdk):
    newcomer = fresh()
    browser = signed_in(faucet_app, newcomer)
    assert browser.post("/gas/request").status_code == 202
    again = browser.post("/gas/request")
    assert again.get_json()["details"]["reason"] == "too_soon"
    assert "already on its way" in again.get_json()["message"]
    faucet_of(faucet_app).process()
    _spend_everything(sdk, newcomer)  # below the threshold again, but within the day

    later = browser.post("/gas/request")

    assert later.status_code == 429
    assert later.get_json()["details"]["reason"] == "too_soon"
    assert "less than a day ago" in later.get_json()["message"]


def _spend_everything(sdk, account) -> None:
    w3 = sdk.w3
    price = 2 * int(w3.eth.get_block("latest")["baseFeePerGas"]) + 1
    amount = balance(sdk, account.address) - 21_000 * price
    transfer = {"to": sdk.registry.deployer, "value": amount, "gas": 21_000, "maxFeePerGas": price,
                "maxPriorityFeePerGas": 1, "nonce": 0, "chainId": sdk.registry.chain_id}  # fmt: skip
    signed = Account.sign_transaction(transfer, account.key)
    w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))
    assert balance(sdk, account.address) < CUSTOMER_DRIP // 2


def test_drip__past_the_daily_budget__refused(sdk, tmp_path, node_rpc, storage, faucet_key):
    app = make_app(sdk, tmp_path, node_rpc, storage, key=faucet_key,
                   policy=FaucetPolicy(daily_budget_wei=CUSTOMER_DRIP * 3 // 2))  # fmt: skip
    assert signed_in(app, fresh()).post("/gas/request").status_code == 202

    answer = signed_in(app, fresh()).post("/gas/request")

    assert answer.status_code == 429
    assert answer.get_json()["details"]["reason"] == "daily_budget"


def test_drip__past_the_client_rate_limit__refused_for_that_client_only(sdk, tmp_path, node_rpc, storage, faucet_key):
    app = make_app(sdk, tmp_path, node_rpc, storage, key=faucet_key, policy=FaucetPolicy(client_per_hour=2))
    for _ in range(2):
        assert signed_in(app, fresh(), "10.0.0.1").post("/gas/request").status_code == 202

    answer = signed_in(app, fresh(), "10.0.0.1").post("/gas/request")

    assert answer.status_code == 429
    assert answer.get_json()["details"]["reason"] == "rate_limited"
    assert signed_in(app, fresh(), "10.0.0.2").post("/gas/request").status_code == 202


def test_drip__throwaway_accounts_on_loopback__newcomers_still_served(sdk, tmp_path, node_rpc, storage, faucet_key):
    """Every visitor of a loopback server is 127.0.0.1: a per-address limit there would be one limit for everyone,
    so ten throw-away keys must not lock the next newcomer out (the per-account and daily limits still hold)."""
    app = make_app(sdk, tmp_path, node_rpc, storage, key=faucet_key, policy=FaucetPolicy(client_per_hour=10))
    for _ in range(10):
        assert signed_in(app, fresh()).post("/gas/request").status_code == 202

    newcomer = signed_in(app, fresh())

    assert newcomer.post("/gas/request").status_code == 202
    assert newcomer.post("/gas/request").get_json()["details"]["reason"] == "too_soon"  # once per account


def test_drip__behind_a_trusted_proxy__limited_per_forwarded_visitor(sdk, tmp_path, node_rpc, storage, faucet_key):
    app = make_app(sdk, tmp_path, node_rpc, storage, key=faucet_key, policy=FaucetPolicy(client_per_hour=1),
                   trusted_proxy="10.0.0.9")  # fmt: skip

    def via_proxy(forwarded: str) -> Browser:
        browser = signed_in(app, fresh(), "10.0.0.9")
        browser.client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded
        return browser

    assert via_proxy("1.2.3.4").post("/gas/request").status_code == 202
    again = via_proxy("6.6.6.6, 1.2.3.4")  # a forged first entry: only the proxy's own (last) one counts
    assert again.post("/gas/request").get_json()["details"]["reason"] == "rate_limited"
    assert via_proxy("5.6.7.8").post("/gas/request").status_code == 202
    (first, *_rest) = sorted(faucet_of(app).ledger.recent(), key=lambda d: d.id)
    assert first.client == "1.2.3.4"


def test_drip__untrusted_peer_sends_x_forwarded_for__ignored(sdk, tmp_path, node_rpc, storage, faucet_key):
    app = make_app(sdk, tmp_path, node_rpc, storage, key=faucet_key, policy=FaucetPolicy(client_per_hour=1))
    for forwarded in ("1.1.1.1", "2.2.2.2"):  # not from a trusted proxy: the peer 10.0.0.1 is the visitor
        browser = signed_in(app, fresh(), "10.0.0.1")
        browser.client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded
        answer = browser.post("/gas/request")
    assert answer.get_json()["details"]["reason"] == "rate_limited"


def test_drip__role_revoked_after_sign_in__sized_by_the_chain(faucet_app, sdk, admin):
    """The drip is sized by the roles on chain now, not those cached when the session opened."""
    newcomer = fresh()
    ledger = sdk.match_ledger.contract
    role = ledger.functions.MATCHER_ROLE().call()
    ledger.functions.grantRole(role, newcomer.address).transact({"from": admin.address})
    browser = signed_in(faucet_app, newcomer)
    assert browser.get("/auth/me").get_json()["roles"] == ["customer", "matcher"]
    ledger.functions.revokeRole(role, newcomer.address).transact({"from": admin.address})

    answer = browser.post("/gas/request")

    assert answer.get_json()["amount_wei"] == str(CUSTOMER_DRIP)  # not the matcher's month


def test_drip__signed_out__refused(faucet_app):
    browser = Browser(faucet_app)
    for answer in (browser.post("/gas/request"), browser.get("/gas/card"), browser.get("/gas/state"),
                   browser.get("/gas/events")):  # fmt: skip
        assert answer.status_code == 401
    assert faucet_of(faucet_app).ledger.recent() == []


def test_drip__no_csrf_token__refused(faucet_app):
    answer = signed_in(faucet_app, fresh()).post("/gas/request", csrf=False)

    assert answer.status_code == 400
    assert faucet_of(faucet_app).ledger.recent() == []


def test_drip__no_faucet_key__refused_and_the_page_says_who_sends_gas(app):
    browser = signed_in(app, fresh())

    answer = browser.post("/gas/request")

    assert answer.status_code == 429
    assert answer.get_json()["details"]["reason"] == "disabled"
    assert "ask your consortium" in browser.get("/gas/card").get_data(as_text=True)
    assert "This platform runs no faucet" in browser.get("/").get_data(as_text=True)


def test_drips__admin_sees_every_drip__others_refused(faucet_app, admin, customer):
    newcomer = fresh()
    signed_in(faucet_app, newcomer).post("/gas/request")
    faucet_of(faucet_app).process()

    page = signed_in(faucet_app, admin).get("/gas/drips")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert newcomer.address.lower() in text
    assert coins(CUSTOMER_DRIP, "IMSE") in text
    assert "mined" in text
    assert faucet_of(faucet_app).address in text
    assert signed_in(faucet_app, customer).get("/gas/drips").status_code == 403
    assert Browser(faucet_app).get("/gas/drips").status_code == 401


def test_faucet__key_never_on_a_page_or_in_a_log(faucet_app, faucet_key, admin, caplog):
    caplog.set_level(logging.DEBUG)
    newcomer = fresh()
    browser = signed_in(faucet_app, newcomer)
    pages = [browser.get(path).get_data(as_text=True) for path in ("/", "/customer/", "/gas/card", "/gas/state",
                                                                 "/api/chain", "/healthz")]  # fmt: skip
    pages.append(browser.htmx("/gas/request").get_data(as_text=True))
    faucet_of(faucet_app).process()
    pages.append(signed_in(faucet_app, admin).get("/gas/drips").get_data(as_text=True))
    secret = faucet_key.removeprefix("0x").lower()

    assert all(secret not in page.lower() for page in pages)
    assert secret not in caplog.text.lower()
    assert "drip 1 mined" in caplog.text  # the log does say what the faucet did
    assert secret not in repr(faucet_app.extensions["imse"].settings).lower()


def test_faucet__drip_queued_when_the_server_stopped__not_sent_again(sdk, tmp_path, node_rpc, storage, faucet_key):
    first = make_app(sdk, tmp_path, node_rpc, storage, key=faucet_key)
    newcomer = fresh()
    signed_in(first, newcomer).post("/gas/request")

    second = make_app(sdk, tmp_path, node_rpc, storage, key=faucet_key)  # the server restarted before sending

    (drip,) = faucet_of(second).ledger.recent()
    assert drip.state == "failed"
    assert "restarted" in (drip.error or "")
    assert faucet_of(second).process() == 0
    assert balance(sdk, newcomer.address) == 0
    assert signed_in(second, newcomer).post("/gas/request").status_code == 202  # may ask again


def test_preflight__too_little_gas__refused_with_request_gas_and_nothing_recorded(faucet_app, sdk):
    newcomer = fresh()
    browser = signed_in(faucet_app, newcomer)
    browser.htmx("/customer/cart", _line(_design_id(browser)))
    browser.htmx("/customer/shipping", SHIPPING)

    answer = browser.post("/customer/publish")

    assert answer.status_code == 402
    body = answer.get_json()
    assert body["error"] == "NeedsGasError"
    assert "Not enough to pay for this transaction" in body["message"]
    assert body["message"].endswith("request gas")
    assert body["details"]["faucet"] is True
    assert body["details"]["balance_wei"] == "0"
    assert faucet_app.extensions["imse"].store.publishes(newcomer.address) == []
    browser.post("/gas/request")
    faucet_of(faucet_app).process()
    built = browser.post("/customer/publish")  # with the drip it passes
    assert built.status_code == 200, built.get_json()
    assert int(built.get_json()["tx"]["gas"], 16) * sdk.transactions.fee_per_gas() < CUSTOMER_DRIP // 10


@pytest.mark.parametrize(
    ("changes", "says"),
    [({"threshold_share": 0}, "threshold share"), ({"threshold_share": 1.5}, "threshold share"),
     ({"client_per_hour": 0}, "positive"), ({"period_seconds": -1}, "positive"), ({"daily_budget_wei": 0}, "positive"),
     ({"drips": {"customer": 0}}, "every faucet drip")],
)  # fmt: skip
def test_policy__bad_setting__refused_naming_it(changes, says):
    with pytest.raises(ConfigError, match=says):
        FaucetPolicy(**changes)


def test_policy__drip_by_role__the_largest_role_and_a_month_of_its_gas():
    policy = FaucetPolicy()

    assert policy.drip_for(("customer",)) == MONTH_GAS["customer"] * 2 * 10**9
    assert policy.drip_for(("customer", "matcher")) == month_wei("matcher")
    assert policy.threshold_for(("customer",)) == CUSTOMER_DRIP // 2
    assert month_wei("customer") < ETHER // 10  # a small drip: a customer's month is a few hundredths of a coin


def test_coins__formats():
    assert coins(0, "IMSE") == "0 IMSE"
    assert coins(10**13, "IMSE") == "<0.0001 IMSE"
    assert coins(33 * 10**15, "IMSE") == "0.033 IMSE"
    assert coins(2 * ETHER) == "2"


def test_dev_wallet__not_the_dev_network__not_offered_and_said_plainly(app, sdk):
    page = Browser(app).get("/").get_data(as_text=True)

    assert sdk.registry.chain_id != 4242
    assert "devwallet.js" not in page
    assert 'id="dev-wallet"' not in page
    assert 'data-dev-network="false"' in page
    assert "The dev wallet is offered only on the local dev" in page


def test_is_dev_network__chain_id_and_a_well_known_deployer():
    from offchain.devnet import dev_accounts, is_dev_network
    from offchain.settings import TEST_MNEMONIC

    well_known = dev_accounts(TEST_MNEMONIC, 1)[0]
    assert is_dev_network(4242, well_known)
    assert not is_dev_network(4242, Account.create().address)  # a consortium that reused the chain id
    assert not is_dev_network(1337, well_known)
    assert not is_dev_network(4242, None)
