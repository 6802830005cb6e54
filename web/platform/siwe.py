"""Sign-In with Ethereum (EIP-4361), our own: the server writes the message, the wallet signs its exact text
(`personal_sign`), the server recovers the signer from that text and checks every field against what it issued.

No third-party SIWE package at run time (the PyPI one pins old web3 and does not check the exact text). The message:

    http://127.0.0.1:30600 wants you to sign in with your Ethereum account:
    0xAbC…(checksummed)

    Sign in to imseStudio.

    URI: http://127.0.0.1:30600
    Version: 1
    Chain ID: 4242
    Nonce: 9fK2…
    Issued At: 2026-12-01T17:30:00Z
    Expiration Time: 2026-12-01T17:40:00Z

The domain line carries the scheme on plain http (EIP-4361 allows `scheme://`; without it a wallet assumes https and
warns about a mismatch on a local development site).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import Web3

from offchain.exceptions import SignInError

STATEMENT = "Sign in to imseStudio."
LIFETIME = timedelta(minutes=10)
_PATTERN = re.compile(
    r"\A(?P<domain>\S+) wants you to sign in with your Ethereum account:\n"
    r"(?P<address>0x[0-9a-fA-F]{40})\n\n"
    r"(?P<statement>[^\n]+)\n\n"
    r"URI: (?P<uri>\S+)\n"
    r"Version: 1\n"
    r"Chain ID: (?P<chain_id>[0-9]+)\n"
    r"Nonce: (?P<nonce>[A-Za-z0-9]{8,64})\n"
    r"Issued At: (?P<issued_at>\S+)\n"
    r"Expiration Time: (?P<expires_at>\S+)\Z"
)


@dataclass(frozen=True)
class SiweMessage:
    domain: str
    address: str  # checksummed
    uri: str
    chain_id: int
    nonce: str
    issued_at: datetime
    expires_at: datetime

    def text(self) -> str:
        """The exact text the wallet signs."""
        return (
            f"{self.domain} wants you to sign in with your Ethereum account:\n{self.address}\n\n{STATEMENT}\n\n"
            f"URI: {self.uri}\nVersion: 1\nChain ID: {self.chain_id}\nNonce: {self.nonce}\n"
            f"Issued At: {_stamp(self.issued_at)}\nExpiration Time: {_stamp(self.expires_at)}"
        )


def new_message(*, domain: str, uri: str, address: str, chain_id: int, now: datetime | None = None) -> SiweMessage:
    """A fresh message for `address` with a random single-use nonce, valid for `LIFETIME`."""
    if not Web3.is_address(address):
        raise SignInError(f"not an Ethereum address: {address!r}", field="address")
    issued = (now or datetime.now(UTC)).replace(microsecond=0)
    return SiweMessage(
        domain, Web3.to_checksum_address(address), uri, chain_id, secrets.token_hex(16), issued, issued + LIFETIME
    )


def parse(text: str) -> SiweMessage:
    """The message in `text`; SignInError when it is not one this server writes."""
    found = _PATTERN.match(text)
    if not found or found["statement"] != STATEMENT:
        raise SignInError("the signed text is not a sign-in message of this site")
    try:
        issued, expires = _time(found["issued_at"]), _time(found["expires_at"])
    except ValueError as err:
        raise SignInError(f"the sign-in message has a malformed time: {err}") from None
    address = found["address"]
    if Web3.to_checksum_address(address) != address:
        raise SignInError("the sign-in message's address is not checksummed (EIP-55)")
    return SiweMessage(found["domain"], address, found["uri"], int(found["chain_id"]), found["nonce"], issued, expires)


def verify(
    text: str, signature: str, *, issued: str, domain: str, uri: str, chain_id: int, now: datetime | None = None
) -> SiweMessage:
    """Checks a signed sign-in message: the text is exactly the one issued for its nonce (`issued`), it names this
    site, its URI and chain, it has not expired, and the signature recovers to its address. Returns the message;
    SignInError naming the first failed check. (That the nonce is unused is the caller's, atomically.)"""
    if text != issued:
        raise SignInError("the signed text differs from the message this site issued (tampered)")
    message = parse(text)
    if message.domain != domain:
        raise SignInError(f"the message is for {message.domain}, not this site ({domain})", field="domain")
    if message.uri != uri:
        raise SignInError(f"the message's URI is {message.uri}, not {uri}", field="uri")
    if message.chain_id != chain_id:
        raise SignInError(
            f"the message is for chain id {message.chain_id}, but this platform runs on chain id {chain_id}",
            field="chain_id",
        )
    moment = now or datetime.now(UTC)
    if moment >= message.expires_at:
        raise SignInError(f"the sign-in message expired at {_stamp(message.expires_at)}: sign in again")
    if moment < message.issued_at - timedelta(minutes=1):
        raise SignInError("the sign-in message is issued in the future")
    if not re.fullmatch(r"0x[0-9a-fA-F]{130}", signature or ""):
        raise SignInError("the signature is not 65 bytes of hex", field="signature")
    try:
        signer = Account.recover_message(encode_defunct(text=text), signature=signature)
    except Exception as err:  # eth-account raises several types for a bad signature
        raise SignInError(f"the signature cannot be recovered: {err}", field="signature") from None
    if signer != message.address:
        raise SignInError(f"the message was signed by {signer}, not by {message.address}", field="signature")
    return message


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
