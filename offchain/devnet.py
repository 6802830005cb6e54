"""The local dev network and its well-known accounts.

The dev network's genesis pre-funds the first accounts of ape's public test mnemonic, whose keys everyone has. They
are right for a consortium of one machine and wrong anywhere else: a deployment that makes one of them the admin (or
grants it a role) on any other chain hands that power to whoever reads this file.
"""

from __future__ import annotations

from functools import cache

from eth_account import Account

from offchain.settings import DEV_CHAIN_ID, TEST_MNEMONIC

WELL_KNOWN_COUNT = 20
"""How many accounts of the test mnemonic count as well known (ape, Hardhat and anvil show the first 10–20)."""


def dev_accounts(mnemonic: str, count: int) -> list[str]:
    """The first `count` accounts of a mnemonic (ape's test accounts when it is ape's test mnemonic)."""
    return [Account.from_key(dev_key(mnemonic, i)).address for i in range(count)]


def dev_key(mnemonic: str, index: int) -> str:
    """The private key (0x-hex) of account `index` of a mnemonic — TEST::<index> for ape's test mnemonic, also beyond
    the accounts ape's test config generates (the genesis funds more)."""
    Account.enable_unaudited_hdwallet_features()
    account = Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{index}")
    return "0x" + bytes(account.key).hex()


@cache
def _well_known() -> dict[str, int]:
    return {address.lower(): index for index, address in enumerate(dev_accounts(TEST_MNEMONIC, WELL_KNOWN_COUNT))}


def well_known_index(address: str) -> int | None:
    """The index of `address` among the test mnemonic's well-known accounts (TEST::<index>), or None."""
    return _well_known().get(address.lower())


def is_dev_chain(chain_id: int) -> bool:
    """True for the local dev network's chain id."""
    return chain_id == DEV_CHAIN_ID


def is_dev_network(chain_id: int, deployer: str | None) -> bool:
    """The local dev network: its chain id, deployed by one of the well-known test accounts (the dev wallet and
    other conveniences are offered only there)."""
    return is_dev_chain(chain_id) and deployer is not None and well_known_index(deployer) is not None
