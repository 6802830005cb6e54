"""Node keys: the account each node seals (or would seal) with, and its p2p identity (nodekey → enode)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from eth_account import Account
from eth_keys.datatypes import PrivateKey

from offchain.network.layout import HOST


def write_private(path: Path, text: str) -> None:
    """Writes a secret file readable by its owner only (mode 600), never briefly world-readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    path.chmod(0o600)


def create_account(keystore_dir: Path, password_file: Path) -> str:
    """Creates an account as an encrypted keystore (geth's format) plus its password file; returns the address."""
    password = secrets.token_urlsafe(24)
    account = Account.create()
    keystore = Account.encrypt(account.key, password)
    address = account.address.lower().removeprefix("0x")
    write_private(keystore_dir / f"UTC--imse--{address}", json.dumps(keystore))
    write_private(password_file, password + "\n")
    return str(account.address)


def create_nodekey(data_dir: Path, port: int) -> str:
    """Writes geth's p2p key into the data dir and returns the node's enode URL on loopback."""
    secret = secrets.token_bytes(32)
    write_private(data_dir / "geth" / "nodekey", secret.hex())
    public = PrivateKey(secret).public_key.to_hex().removeprefix("0x")
    return f"enode://{public}@{HOST}:{port}"
