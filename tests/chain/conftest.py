"""SDK tests: the typed wrappers and the signer over web3, against the real contracts on ape's in-process EVM."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account

from offchain.chain.connection import Chain, attach
from offchain.chain.deploy import to_registry
from offchain.chain.signer import Signer


@pytest.fixture(scope="session")
def sdk(platform, admin, chain) -> Chain:
    """The deployed platform through the SDK, on the web3 of ape's test provider."""
    registry = to_registry(platform, "local", chain.chain_id, admin.address, chain)
    return attach(chain.provider.web3, registry)


@pytest.fixture(scope="session")
def signer_of(sdk) -> Any:
    """A Signer for an ape test account (its key)."""

    def make(account: Any) -> Signer:
        return Signer(sdk, Account.from_key(account.private_key), stuck_seconds=30, poll_seconds=0.01)

    return make


@pytest.fixture(scope="session", autouse=True)
def _session_first(sdk, signer_of, admin, servicer, other_servicer, matcher, operator, customer, stranger) -> None:
    """Session-scoped fixtures set up before any test's own (ape snapshots the chain per test; late session
    fixtures would force a costly rebase and fail with InvalidIsolationWarning)."""
