"""Fixtures shared by the suites that run on ape's in-process EVM (contracts/, twins/).

Accounts are named by role. The platform is deployed once per session with the catalogue filled in; ape snapshots
the chain around every test, so each test starts from that state.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account

from offchain.chain.connection import Chain, attach
from offchain.chain.deploy import deploy_platform, to_registry
from offchain.chain.records import OrderRequest
from offchain.chain.requests import sample_order
from offchain.chain.signer import Signer
from offchain.types import CatalogueKind
from tests import ape_tracing
from tests.contracts.values import COLOURS, MATERIALS

ape_tracing.install()  # `ape test --gas` on anvil: see tests/ape_tracing.py


def pytest_configure(config: pytest.Config) -> None:
    from tests.coverage.plugin import COVERAGE

    COVERAGE.configure(config)  # `ape test --coverage` on anvil: see tests/coverage/


# ---------------------------------------------------------------------------------------------- accounts


@pytest.fixture(scope="session")
def admin(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def servicer(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def other_servicer(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def matcher(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def operator(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def customer(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def other_customer(accounts):
    return accounts[6]


@pytest.fixture(scope="session")
def stranger(accounts):
    return accounts[7]


# ---------------------------------------------------------------------------------------------- contracts


@pytest.fixture(scope="session")
def platform(project, admin, servicer, other_servicer, matcher):
    deployed = deploy_platform(project, admin)
    registry = deployed.twin_registry
    for code, name in MATERIALS.items():
        registry.addCatalogueEntry(CatalogueKind.MATERIAL, code, name, sender=admin)
    for code, name in COLOURS.items():
        registry.addCatalogueEntry(CatalogueKind.COLOUR, code, name, sender=admin)
    for account in (servicer, other_servicer):
        registry.grantRole(registry.SERVICER_ROLE(), account, sender=admin)
    deployed.match_ledger.grantRole(deployed.match_ledger.MATCHER_ROLE(), matcher, sender=admin)
    return deployed


@pytest.fixture(scope="session")
def twin_registry(platform):
    return platform.twin_registry


@pytest.fixture(scope="session")
def order_book(platform):
    return platform.order_book


@pytest.fixture(scope="session")
def match_ledger(platform):
    return platform.match_ledger


@pytest.fixture(scope="session")
def execution_log(platform):
    return platform.execution_log


# ---------------------------------------------------------------------------------------------- the SDK


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


@pytest.fixture
def place(sdk, signer_of, customer, chain):
    """Places one order from `customer` through the SDK (due in a week; `sample_order` fields overridable); its id."""

    def placed(**overrides) -> int:
        request = OrderRequest.from_abi(sample_order(int(chain.pending_timestamp) + 7 * 86400, **overrides))
        sent = signer_of(customer).transact(sdk.order_book.build_place(request, sender=customer.address))
        return sdk.order_book.placed_ids(sent.receipt)[0]

    return placed
