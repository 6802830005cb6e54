"""Fixtures for the contract tests (ape, in-process EVM).

Accounts are named by role. The platform is deployed once per session with the catalogue filled in; ape snapshots
the chain around every test, so each test starts from that state. `create_*` factories take keyword overrides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from imse.chain.deploy import deploy_platform
from imse.chain.types import CatalogueKind, TwinKind
from tests.contracts.values import (
    COLOURS,
    DEFAULT_CAPABILITY,
    MATERIALS,
    capability_tuple,
    order_request,
)

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


@pytest.fixture
def due_date(chain) -> int:
    """A due date a week after the next block."""
    return int(chain.pending_timestamp) + 7 * 24 * 3600


# ---------------------------------------------------------------------------------------------- factories


@pytest.fixture
def create_twin(twin_registry, servicer) -> Callable[..., int]:
    """Publishes a twin and returns its id."""

    def create(*, owner: Any = None, kind: TwinKind = TwinKind.PRINTER, digest: bytes = b"\x11" * 32,
               cid: str = "bafkreitwinspec", **capability: int) -> int:
        cap = capability_tuple(**{**DEFAULT_CAPABILITY, **capability})
        tx = twin_registry.publishTwin(kind, cap, digest, cid, sender=owner or servicer)
        return int(tx.events[0].twinId)

    return create


@pytest.fixture
def create_order(order_book, customer, due_date) -> Callable[..., int]:
    """Places an order and returns its id."""

    def create(*, sender: Any = None, **fields: Any) -> int:
        fields.setdefault("dueDate", due_date)
        tx = order_book.placeOrder(order_request(**fields), sender=sender or customer)
        return int(tx.events[0].orderId)

    return create


@pytest.fixture
def twin_id(create_twin) -> int:
    return create_twin()


@pytest.fixture
def order_id(create_order) -> int:
    return create_order()


@pytest.fixture
def match_input() -> Callable[..., tuple[Any, ...]]:
    """A MatchInput tuple (manual by default)."""

    def build(order_id: int, twin_id: int, *, rule_id: int = 0, rule_version: int = 0, planned_start: int = 0,
              estimated_seconds: int = 3600, gcode_cid: str = "bafkreigcode") -> tuple[Any, ...]:
        return (order_id, twin_id, rule_id, rule_version, planned_start, estimated_seconds, gcode_cid)

    return build


@pytest.fixture
def matched_order(create_order, twin_id, match_ledger, matcher, match_input) -> int:
    """An order matched (manually) to `twin_id`."""
    order_id = create_order()
    match_ledger.publishMatches(b"\x00" * 32, "", [match_input(order_id, twin_id)], sender=matcher)
    return order_id


@pytest.fixture
def printing_order(matched_order, execution_log, servicer) -> int:
    """A matched order whose printing started (by the twin's owner)."""
    execution_log.startTask(matched_order, sender=servicer)
    return matched_order
