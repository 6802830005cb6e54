"""Sign-In with Ethereum and the session, through the routes: what a wallet does, and what an attacker tries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Blueprint, jsonify

from tests.web.conftest import Browser, sign
from web.auth import role_required


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
    elsewhere = Browser(app, base_url="http://localhost:9999")
    issued = elsewhere.post("/auth/message", {"address": customer.address}).get_json()
    here = Browser(app)

    answer = here.post("/auth/verify", {"message": issued["message"], "signature": sign(issued["message"], customer)})

    assert answer.status_code == 401
    assert answer.get_json()["field"] == "domain"
    assert "not this site (http://127.0.0.1:30600)" in answer.get_json()["message"]


def test_verify__expired_message__refused(browser, customer, monkeypatch):
    monkeypatch.setattr("web.siwe.LIFETIME", timedelta(seconds=-1))

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
    from web.settings import WebSettings

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
