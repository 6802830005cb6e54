"""What an account may do on the platform, read from the chain (the web reads it at sign-in and on every
privileged page; nothing is cached as truth)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from web3 import Web3

if TYPE_CHECKING:
    from offchain.chain.connection import Chain

ROLES = ("customer", "servicer", "matcher", "admin")
"""customer: anyone (places orders); servicer: publishes printer twins (TwinRegistry SERVICER_ROLE); matcher:
publishes matches (MatchLedger MATCHER_ROLE); admin: the consortium admin (TwinRegistry DEFAULT_ADMIN_ROLE)."""


def roles_of(chain: Chain, account: str) -> tuple[str, ...]:
    """The roles `account` holds now, in `ROLES` order (always at least "customer")."""
    who = Web3.to_checksum_address(account)
    held = ["customer"]
    if chain.twin_registry.has_role("SERVICER_ROLE", who):
        held.append("servicer")
    if chain.match_ledger.has_role("MATCHER_ROLE", who):
        held.append("matcher")
    if chain.twin_registry.has_role("DEFAULT_ADMIN_ROLE", who):
        held.append("admin")
    return tuple(held)
