"""Shipping data at rest: sealed with AES-256-GCM under a key kept outside the web database (a file of its own,
owner-only; `IMSE_WEB_SHIPPING_KEY` names another place), so a copy of `web.sqlite` alone reveals no address.

    v1:<base64 of 12-byte nonce ‖ ciphertext ‖ 16-byte tag>

What is sealed: the customer's saved shipping form and each publication's shipping data (with the salt whose hash
is on chain). A publication's shipping data is deleted `RETENTION_DAYS` after every order it placed is Printed or
Cancelled (web.platform.housekeeping); the saved form lives until the customer replaces or forgets it.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path
from typing import Any

from Crypto.Cipher import AES

from offchain.exceptions import ConfigError

PREFIX = "v1:"
RETENTION_DAYS = 30
"""Days a publication's shipping data is kept after its last order was printed or cancelled."""


class ShippingVault:
    def __init__(self, key_file: Path) -> None:
        self.key_file = key_file
        if not key_file.is_file():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as out:
                out.write(secrets.token_hex(32))
        try:
            self._key = bytes.fromhex(key_file.read_text().strip())
        except ValueError:
            raise ConfigError(f"{key_file}: not a hex key (64 hex digits)") from None
        if len(self._key) != 32:
            raise ConfigError(f"{key_file}: the shipping key must be 32 bytes (64 hex digits)")

    def seal(self, data: Any) -> str:
        nonce = secrets.token_bytes(12)
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=nonce)
        sealed, tag = cipher.encrypt_and_digest(json.dumps(data, sort_keys=True).encode())
        return PREFIX + base64.b64encode(nonce + sealed + tag).decode()

    def open(self, text: str) -> Any:
        """The data sealed in `text` (plain JSON written before sealing existed is read as it is); ConfigError when
        it was sealed under another key or altered."""
        if not text.startswith(PREFIX):
            return json.loads(text)
        raw = base64.b64decode(text.removeprefix(PREFIX))
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=raw[:12])
        try:
            return json.loads(cipher.decrypt_and_verify(raw[12:-16], raw[-16:]))
        except ValueError:
            raise ConfigError(
                f"shipping data sealed under another key than {self.key_file} (or altered): it cannot be read"
            ) from None

    def is_sealed(self, text: str) -> bool:
        return text.startswith(PREFIX)
