"""The Sign-In with Ethereum verifier on its own (no app): every check it makes, each refusal in one line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from offchain.exceptions import SignInError
from web.platform import siwe

SITE = {"domain": "http://127.0.0.1:30600", "uri": "http://127.0.0.1:30600"}
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
KEY = Account.create()


def _signed(**overrides):
    message = siwe.new_message(address=KEY.address, chain_id=4242, now=NOW, **SITE)
    text = message.text()
    for old, new in overrides.items():
        text = text.replace(old, new)
    return text, "0x" + Account.sign_message(encode_defunct(text=text), KEY.key).signature.hex().removeprefix("0x")


def test_verify__good_message__the_signer():
    text, signature = _signed()

    assert siwe.verify(text, signature, issued=text, chain_id=4242, now=NOW, **SITE).address == KEY.address


def test_parse__round_trip():
    message = siwe.new_message(address=KEY.address.lower(), chain_id=7, now=NOW, **SITE)

    assert siwe.parse(message.text()) == message


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"chain_id": 1}, "this platform runs on chain id 1"),
        ({"domain": "http://evil.example"}, "not this site"),
        ({"uri": "http://evil.example"}, "URI is"),
        ({"now": NOW + timedelta(minutes=11)}, "expired"),
        ({"now": NOW - timedelta(minutes=5)}, "issued in the future"),
    ],
)
def test_verify__each_check(change, says):
    text, signature = _signed()
    arguments = {"chain_id": 4242, "now": NOW, **SITE} | change

    with pytest.raises(SignInError, match=says):
        siwe.verify(text, signature, issued=text, **arguments)


def test_verify__address_not_checksummed__refused():
    text, signature = _signed()
    lowered = text.replace(KEY.address, KEY.address.lower())

    with pytest.raises(SignInError, match="not checksummed"):
        siwe.verify(lowered, signature, issued=lowered, chain_id=4242, now=NOW, **SITE)


@pytest.mark.parametrize("text", ["", "hello", "x wants you to sign in with your Ethereum account:\n0x12\n"])
def test_parse__not_a_sign_in_message__refused(text):
    with pytest.raises(SignInError, match="not a sign-in message"):
        siwe.parse(text)


def test_new_message__not_an_address__refused():
    with pytest.raises(SignInError, match="not an Ethereum address"):
        siwe.new_message(address="0x1234", chain_id=1, **SITE)
