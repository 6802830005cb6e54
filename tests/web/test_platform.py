"""The pages, the chain parameters, the /rpc proxy and the error shape, through Flask's test client."""

from __future__ import annotations

import os

import pytest

from tests.web.conftest import Browser


def test_home__signed_out__explains_the_steps_and_offers_connect(browser):
    page = browser.get("/").get_data(as_text=True)

    assert "Connect wallet" in page
    assert "Sign in" in page
    assert "Customer explorer" in page
    assert 'data-chain-id="' in page
    assert "/static/vendor/htmx.org@2.0.10/htmx.min.js" in page


def test_home__signed_in__shows_address_and_roles(browser, matcher):
    browser.sign_in(matcher)

    page = browser.get("/").get_data(as_text=True)

    assert matcher.address in page
    assert '<span class="tag">matcher</span>' in page


def test_pages__security_headers(browser):
    headers = browser.get("/").headers

    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_vendored_htmx__served_by_the_app(browser):
    """The install step copies htmx from npm into web/static/vendor (git-ignored): the pages load nothing from a CDN."""
    with browser.get("/static/vendor/htmx.org@2.0.10/htmx.min.js") as answer:
        assert answer.status_code == 200
        assert b"htmx" in answer.data[:2000]
    with browser.get("/static/vendor/htmx-ext-sse@2.2.4/sse.min.js") as answer:
        assert answer.status_code == 200


def test_chain_parameters__what_wallet_add_ethereum_chain_takes(browser, sdk):
    params = browser.get("/api/chain").get_json()

    assert params["chainId"] == hex(sdk.registry.chain_id)
    assert params["rpcUrls"] == ["http://127.0.0.1:30600/rpc"]
    assert params["nativeCurrency"]["decimals"] == 18
    assert 2 <= len(params["nativeCurrency"]["symbol"]) <= 6
    assert params["chainName"]


def test_rpc__allowed_method__forwarded_without_csrf(browser, sdk):
    answer = browser.post("/rpc", {"jsonrpc": "2.0", "id": 7, "method": "eth_chainId", "params": []}, csrf=False)

    assert answer.status_code == 200
    assert answer.get_json() == {"jsonrpc": "2.0", "id": 7, "result": hex(sdk.registry.chain_id)}


@pytest.mark.parametrize(
    "method", ["personal_sign", "eth_sendTransaction", "eth_sign", "admin_peers", "miner_start", "debug_traceCall"]
)
def test_rpc__method_outside_the_allow_list__refused_and_never_forwarded(browser, node_rpc, method):
    answer = browser.post("/rpc", {"jsonrpc": "2.0", "id": 1, "method": method, "params": []}, csrf=False)

    body = answer.get_json()
    assert body["error"]["code"] == -32601
    assert method in body["error"]["message"]
    assert "result" not in body
    assert node_rpc.forwarded == []


def test_rpc__batch__each_call_answered_in_order(browser, sdk):
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "id": 2, "method": "admin_nodeInfo", "params": []},
    ]

    body = browser.post("/rpc", batch, csrf=False).get_json()

    assert [item["id"] for item in body] == [1, 2]
    assert body[0]["result"] == hex(sdk.registry.chain_id)
    assert body[1]["error"]["code"] == -32601


@pytest.mark.parametrize(
    ("payload", "status"),
    [("not json", 400), ([], 400), ([{"method": "eth_chainId"}] * 21, 400), (5, 400)],
)
def test_rpc__malformed_request__clear_error(browser, payload, status):
    if payload == "not json":
        answer = browser.client.post("/rpc", data="{", content_type="application/json", base_url=browser.base_url)
    else:
        answer = browser.post("/rpc", payload, csrf=False)

    assert answer.status_code == status
    assert answer.get_json()["error"] == "BadRequestError"


@pytest.mark.parametrize(("text", "depth"), [(b"5", 0), (b'{"a": "[[[[{{"}', 1), (b'[{"a": [1, {"b": "\\"]"}]}]', 4)])
def test_json_depth__strings_and_escapes_skipped(text, depth):
    from web.platform.errors import json_depth

    assert json_depth(text) == depth


def test_rpc__deeply_nested_body__400_not_500(browser):
    answer = browser.client.post("/rpc", data="[" * 100_000 + "]" * 100_000, content_type="application/json",
                                 base_url=browser.base_url)  # fmt: skip

    assert answer.status_code == 400
    assert answer.get_json()["error"] == "BadRequestError"


@pytest.mark.parametrize(
    ("call", "says"),
    [({"method": "eth_getLogs", "params": [{"fromBlock": "earliest", "toBlock": hex(50_000)}]}, "over 50,001 blocks"),
     ({"method": "eth_getLogs", "params": [{"fromBlock": "0x0", "toBlock": "next week"}]}, "fromBlock / toBlock"),
     ({"method": "eth_getLogs", "params": ["0x1"]}, "filter object"),
     ({"method": "eth_call", "params": [{"to": "0x" + "1" * 40, "gas": hex(10**9)}, "latest"]}, "proxy's cap"),
     ({"method": "eth_estimateGas", "params": [{"to": "0x" + "1" * 40, "gas": "lots"}]}, "hex quantity")],
)  # fmt: skip
def test_rpc__unbounded_work__refused_without_reaching_the_node(browser, node_rpc, call, says):
    answer = browser.post("/rpc", {"jsonrpc": "2.0", "id": 7, **call}, csrf=False).get_json()

    assert answer["error"]["code"] == -32602
    assert says in answer["error"]["message"]
    assert node_rpc.forwarded == []


def test_rpc__call_without_gas__forwarded_with_the_proxys_cap(browser, node_rpc):
    seen: list = []
    call = node_rpc.call
    node_rpc.call = lambda method, params: seen.append(params) or call(method, params)

    browser.post("/rpc", {"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [{"to": "0x" + "1" * 40}]},
                 csrf=False)  # fmt: skip

    assert seen[0][0]["gas"] == hex(30_000_000)


def test_rpc__batches_count_against_the_visitors_budget(app, browser):
    from web.platform.limits import RateLimiter

    app.extensions["imse"].limiters.rpc_shared = RateLimiter(25, 60)
    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_chainId"} for i in range(20)]
    assert browser.post("/rpc", batch, csrf=False).status_code == 200

    answer = browser.post("/rpc", batch, csrf=False)  # 40 calls > 25

    assert answer.status_code == 429
    assert answer.get_json()["error"] == "RateLimitedError"
    assert "too many RPC calls" in answer.get_json()["message"]
    assert answer.headers["Retry-After"]


def test_tx_state__66_characters_not_hex__400_not_500(browser):
    answer = browser.get("/api/tx/0x" + "zz" * 32)

    assert answer.status_code == 400
    assert answer.get_json()["field"] == "hash"


@pytest.mark.parametrize("call", [{"id": 1}, {"method": 5}, "eth_chainId"])
def test_rpc__invalid_call_in_a_batch__json_rpc_error(browser, call):
    body = browser.post("/rpc", [call], csrf=False).get_json()

    assert body[0]["error"]["code"] == -32600


def test_rpc__params_not_a_list__json_rpc_error(browser):
    body = browser.post("/rpc", {"id": 3, "method": "eth_getBalance", "params": {"a": 1}}, csrf=False).get_json()

    assert body["error"]["code"] == -32602


def test_api__unknown_path__json_error_shape(browser):
    answer = browser.get("/api/nothing-here")

    assert answer.status_code == 404
    body = answer.get_json()
    assert set(body) == {"status", "error", "message", "field", "details"}
    assert body["status"] == 404


def test_page__unknown_path__error_page_in_place(browser):
    answer = browser.get("/no-such-page")

    assert answer.status_code == 404
    page = answer.get_data(as_text=True)
    assert "404" in page
    assert "Back to the start page" in page


def test_upload_over_the_limit__refused_with_413(app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    browser = Browser(app)

    answer = browser.client.post(
        "/auth/message", data=b"x" * 5000, headers={"X-CSRF-Token": browser.csrf}, base_url=browser.base_url
    )

    assert answer.status_code == 413
    assert answer.get_json()["status"] == 413


def test_healthz__chain_reachable(browser, sdk):
    body = browser.get("/healthz").get_json()

    assert body["ok"] is True
    assert body["chain_id"] == sdk.registry.chain_id


@pytest.mark.parametrize("port", ["web", "0", "70000"])
def test_settings__bad_port_in_the_environment__clear_error(monkeypatch, port):
    from offchain.exceptions import ConfigError
    from web.platform.settings import WebSettings

    monkeypatch.setenv("IMSE_WEB_PORT", port)

    with pytest.raises(ConfigError, match="IMSE_WEB_PORT must be"):
        WebSettings.from_env()


def test_service__no_registry__refused_before_anything_starts(tmp_path):
    from offchain.exceptions import ConfigError
    from web.platform.settings import WebSettings
    from web.service import WebService

    service = WebService(WebSettings(registry=tmp_path / "missing.json", state_dir=tmp_path / "web", port=29999))

    with pytest.raises(ConfigError, match="no deployment registry"):
        service.start()
    assert service.pid() is None
    assert not (tmp_path / "web" / "web.pid").exists()


@pytest.mark.parametrize(
    ("alias", "says"),
    [("TEST::19", "no deployment registry"),  # the key resolved (past the 10 accounts ape's test config makes)
     ("TEST::x", "TEST:: takes an account number"), ("nosuch", "no ape account 'nosuch'")],
)  # fmt: skip
def test_web_up__faucet_account__resolved_or_refused_plainly(tmp_path, alias, says):
    import subprocess

    from offchain.settings import PROJECT_ROOT

    done = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "ape"), "run", "web", "up", "--faucet-account", alias,
         "--registry", str(tmp_path / "missing.json")],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "IMSE_WEB_DIR": str(tmp_path / "web")},
    )  # fmt: skip

    assert done.returncode != 0
    assert says in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_dev_key__the_test_mnemonics_accounts():
    from eth_account import Account

    from offchain.devnet import dev_accounts, dev_key
    from offchain.settings import TEST_MNEMONIC

    assert Account.from_key(dev_key(TEST_MNEMONIC, 0)).address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert Account.from_key(dev_key(TEST_MNEMONIC, 19)).address == dev_accounts(TEST_MNEMONIC, 20)[19]
