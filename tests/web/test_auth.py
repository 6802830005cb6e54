"""Sign-In with Ethereum and the session, through the routes: what a wallet does, and what an attacker tries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Blueprint, jsonify

from tests.web.conftest import Browser, sign
from web.platform.auth import role_required


def test_sign_in__customer__session_with_roles_from_chain(browser, customer):
    answer = browser.sign_in(customer)

    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"signed_in": True, "address": customer.address, "roles": ["customer"]}
    me = browser.get("/auth/me").get_json()
    assert me["signed_in"] is True
    assert me["address"] == customer.address
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize(("who", "role"), [("matcher", "matcher"), ("servicer", "servicer"), ("admin", "admin")])
def test_sign_in__role_holders__roles_read_from_chain(browser, request, who, role):
    account = request.getfixturevalue(who)

    roles = browser.sign_in(account).get_json()["roles"]

    assert roles[0] == "customer"
    assert role in roles


def test_message__lowercase_address__checksummed_in_the_text(browser, customer):
    issued = browser.post("/auth/message", {"address": customer.address.lower()}).get_json()

    assert f"\n{customer.address}\n" in issued["message"]
    assert issued["message"].startswith("http://127.0.0.1:30600 wants you to sign in with your Ethereum account:\n")
    assert "\nURI: http://127.0.0.1:30600\n" in issued["message"]


def test_verify__same_message_twice__replay_refused(browser, customer):
    issued = browser.post("/auth/message", {"address": customer.address}).get_json()
    signed = {"message": issued["message"], "signature": sign(issued["message"], customer)}
    assert browser.post("/auth/verify", signed).status_code == 200

    again = Browser(browser.client.application).post("/auth/verify", signed)

    assert again.status_code == 401
    assert again.get_json()["error"] == "SignInError"
    assert "already used" in again.get_json()["message"]


def test_verify__tampered_text__refused(browser, customer):
    issued = browser.post("/auth/message", {"address": customer.address}).get_json()
    tampered = issued["message"][:-20] + "2099-01-01T00:00:00Z"  # a later expiry, re-signed by the same key

    answer = browser.post("/auth/verify", {"message": tampered, "signature": sign(tampered, customer)})

    assert answer.status_code == 401
    assert "differs from the message this site issued" in answer.get_json()["message"]


def test_verify__issued_for_another_site__refused(app, customer):
    from web.platform import siwe

    store = app.extensions["imse"].store
    foreign = siwe.new_message(domain="http://localhost:9999", uri="http://localhost:9999", address=customer.address,
                               chain_id=app.extensions["imse"].chain_id)  # fmt: skip
    store.issue(foreign.nonce, foreign.text(), foreign.address, foreign.expires_at.timestamp())
    here = Browser(app)

    answer = here.post("/auth/verify", {"message": foreign.text(), "signature": sign(foreign.text(), customer)})

    assert answer.status_code == 401
    assert answer.get_json()["field"] == "domain"
    assert "not this site (http://127.0.0.1:30600)" in answer.get_json()["message"]


@pytest.mark.parametrize("path", ["/", "/auth/me", "/api/chain", "/customer/", "/ledger/"])
def test_any_route__foreign_host__refused_before_the_route(app, path):
    """DNS rebinding: a page on evil.example resolved to 127.0.0.1 is same-origin with the server; its requests
    carry Host: evil.example:30600 and are refused whatever the route."""
    answer = app.test_client().get(path, base_url="http://evil.example:30600")

    assert answer.status_code == 421
    assert "answers only for http://127.0.0.1:30600" in answer.get_data(as_text=True)


def test_sign_in__under_a_foreign_host__refused_and_no_session(app, customer):
    """The review's attack: a message issued and verified under Host: evil.example:30600 was accepted."""
    evil = app.test_client()
    issued = evil.post("/auth/message", json={"address": customer.address}, base_url="http://evil.example:30600")

    assert issued.status_code == 421
    assert issued.get_json()["error"] == "WrongHostError"
    assert Browser(app).get("/auth/me").get_json()["signed_in"] is False


def test_sign_in__message_names_the_configured_origin(sdk, tmp_path, customer):
    from web.app import create_app
    from web.platform.settings import WebSettings

    settings = WebSettings(state_dir=tmp_path / "w", secret_key="k", origin="https://studio.example.com")
    app = create_app(settings, chain=sdk, follow=False)
    browser = Browser(app, base_url="https://studio.example.com")
    browser.client.environ_base["HTTP_REFERER"] = "https://studio.example.com/"  # CSRF over https checks it

    issued = browser.post("/auth/message", {"address": customer.address}).get_json()["message"]
    answer = browser.sign_in(customer)

    assert issued.startswith("studio.example.com wants you to sign in")
    assert "URI: https://studio.example.com\n" in issued
    assert answer.status_code == 200
    assert "Secure" in answer.headers["Set-Cookie"]  # served over https: the cookie never travels in clear
    assert browser.get("/api/chain").get_json()["rpcUrls"] == ["https://studio.example.com/rpc"]


def test_loopback_alias__page_redirected_to_the_origin_and_posts_refused(app):
    client = app.test_client()

    page = client.get("/customer/?x=1", base_url="http://localhost:30600")
    post = client.post("/auth/message", json={"address": "0x" + "1" * 40}, base_url="http://localhost:30600")

    assert page.status_code == 308
    assert page.headers["Location"] == "http://127.0.0.1:30600/customer/?x=1"
    assert post.status_code == 421
    assert client.get("/healthz", base_url="http://localhost:30600").status_code == 200


def test_chain_parameters__urls_on_the_origin(browser):
    chain = browser.get("/api/chain").get_json()

    assert chain["rpcUrls"] == ["http://127.0.0.1:30600/rpc"]
    assert chain["blockExplorerUrls"] == ["http://127.0.0.1:30600/ledger/"]


@pytest.mark.parametrize("origin", ["ftp://x.example", "https://x.example/path", "studio.example.com", "https://"])
def test_settings__malformed_origin__refused(origin):
    from offchain.exceptions import ConfigError
    from web.platform.settings import WebSettings

    with pytest.raises(ConfigError, match="scheme://host"):
        WebSettings(origin=origin)


def test_sign_in_message__rate_limited_per_visitor_and_expired_rows_gone(app, browser, customer, monkeypatch):
    from web.platform.limits import RateLimiter

    limiters = app.extensions["imse"].limiters
    limiters.sign_in_visitor = RateLimiter(3, 60)
    for _ in range(3):
        assert browser.post("/auth/message", {"address": customer.address}).status_code == 200

    refused = browser.post("/auth/message", {"address": customer.address})

    assert refused.status_code == 429
    assert "too many sign-in messages" in refused.get_json()["message"]
    other = browser.post("/auth/message", {"address": "0x" + "2" * 40})  # another account on loopback: its own
    assert other.status_code == 200
    store = app.extensions["imse"].store
    monkeypatch.setattr("time.time", lambda: 10**10)  # long after every message expired
    store.issue("nonce-later-1", "text", customer.address, 10**10 + 600)
    with store.connection() as db:
        assert db.execute("SELECT COUNT(*) FROM sign_in").fetchone()[0] == 1  # only the one just issued


def test_sign_in_message__everyone_together_limited(app, browser):
    from web.platform.limits import RateLimiter

    app.extensions["imse"].limiters.sign_in_all = RateLimiter(2, 60)
    for n in range(2):
        assert browser.post("/auth/message", {"address": "0x" + f"{n + 3}" * 40}).status_code == 200

    assert browser.post("/auth/message", {"address": "0x" + "9" * 40}).status_code == 429


def test_pages__cannot_be_framed(browser):
    headers = browser.get("/").headers

    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "base-uri 'none'" in headers["Content-Security-Policy"]
    assert "form-action 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"


def test_verify__expired_message__refused(browser, customer, monkeypatch):
    monkeypatch.setattr("web.platform.siwe.LIFETIME", timedelta(seconds=-1))

    answer = browser.sign_in(customer)

    assert answer.status_code == 401
    assert "expired" in answer.get_json()["message"]


def test_verify__signed_by_another_key__refused(browser, customer, stranger):
    issued = browser.post("/auth/message", {"address": customer.address}).get_json()

    answer = browser.post(
        "/auth/verify", {"message": issued["message"], "signature": sign(issued["message"], stranger)}
    )

    assert answer.status_code == 401
    assert answer.get_json()["field"] == "signature"
    assert f"signed by {stranger.address}, not by {customer.address}" in answer.get_json()["message"]
    assert browser.get("/auth/me").get_json()["signed_in"] is False


def test_verify__never_issued_nonce__refused(browser, customer):
    issued = browser.post("/auth/message", {"address": customer.address}).get_json()
    forged = issued["message"].replace(issued["nonce"], "f" * 32)

    answer = browser.post("/auth/verify", {"message": forged, "signature": sign(forged, customer)})

    assert answer.status_code == 401
    assert "unknown nonce" in answer.get_json()["message"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "address"), ({"address": ""}, "address"), ({"address": 12}, "address"), ({"address": "0x12"}, "address")],
)
def test_message__bad_address__clear_error_naming_the_field(browser, payload, field):
    answer = browser.post("/auth/message", payload)

    assert answer.status_code in (400, 401)
    assert answer.get_json()["field"] == field


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"signature": "0x00"}, "message"),
        ({"message": "hello"}, "signature"),
        ({"message": "not a sign-in message", "signature": "0x" + "11" * 65}, None),
    ],
)
def test_verify__malformed_body__clear_error(browser, payload, field):
    answer = browser.post("/auth/verify", payload)

    assert answer.status_code in (400, 401)
    body = answer.get_json()
    assert body["field"] == field
    assert body["message"]


def test_verify__bad_signature_hex__refused(browser, customer):
    issued = browser.post("/auth/message", {"address": customer.address}).get_json()

    answer = browser.post("/auth/verify", {"message": issued["message"], "signature": "0xzz"})

    assert answer.status_code == 401
    assert answer.get_json()["field"] == "signature"


def test_post__without_csrf_token__refused_and_nothing_issued(browser, customer):
    answer = browser.post("/auth/message", {"address": customer.address}, csrf=False)

    assert answer.status_code == 400
    assert answer.get_json()["error"] == "CsrfError"


def test_logout__session_ends_on_the_server_even_with_the_old_cookie(app, customer):
    browser = Browser(app)
    browser.sign_in(customer)
    cookie = browser.client.get_cookie("imse_session", domain="127.0.0.1")
    assert cookie is not None

    assert browser.post("/auth/logout").get_json() == {"signed_in": False}

    replay = app.test_client()
    replay.set_cookie("imse_session", cookie.value, domain="127.0.0.1")
    assert replay.get("/auth/me", base_url="http://127.0.0.1:30600").get_json()["signed_in"] is False


def test_role_required__signed_out_wrong_role_right_role_and_revoked(sdk, tmp_path, customer, matcher, admin):
    from web.app import create_app
    from web.platform.settings import WebSettings

    area = Blueprint("matcher_area", __name__)

    @area.get("/api/matcher-only")
    @role_required("matcher")
    def matcher_only():
        return jsonify(ok=True)

    app = create_app(WebSettings(state_dir=tmp_path / "w", secret_key="k"), chain=sdk, follow=False)
    app.register_blueprint(area)

    signed_out = Browser(app).get("/api/matcher-only")
    assert signed_out.status_code == 401
    assert signed_out.get_json()["error"] == "NotSignedInError"

    as_customer = Browser(app)
    as_customer.sign_in(customer)
    refused = as_customer.get("/api/matcher-only")
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "RoleRequiredError"

    as_matcher = Browser(app)
    as_matcher.sign_in(matcher)
    assert as_matcher.get("/api/matcher-only").get_json() == {"ok": True}

    ledger = sdk.match_ledger.contract
    ledger.functions.revokeRole(ledger.functions.MATCHER_ROLE().call(), matcher.address).transact(
        {"from": admin.address}
    )
    revoked = as_matcher.get("/api/matcher-only")
    assert revoked.status_code == 403
    assert revoked.get_json()["details"]["roles"] == ["customer"]
