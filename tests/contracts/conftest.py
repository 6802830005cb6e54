"""Fixtures for the contract tests (ape, in-process EVM).

Accounts are named by role. The platform is deployed once per session with the catalogue filled in; ape snapshots
the chain around every test, so each test starts from that state. `create_*` factories take keyword overrides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from offchain.types import TwinKind
from tests.contracts.values import (
    DEFAULT_CAPABILITY,
    capability_tuple,
    order_request,
)


@pytest.fixture(scope="session", autouse=True)
def _session_first(
    platform, twin_registry, match_ledger, execution_log,  # (order_book: test_status.py has its own)
    admin, servicer, other_servicer, matcher, operator, customer, other_customer, stranger,
):  # fmt: skip
    """Session-scoped fixtures set up before any test's own (ape snapshots the chain per test; a session fixture
    first asked for late — e.g. after a module's own fixture — fails with InvalidIsolationWarning)."""


@pytest.fixture
def due_date(chain) -> int:
    """A due date a week after the next block."""
    return int(chain.pending_timestamp) + 7 * 24 * 3600


# ---------------------------------------------------------------------------------------------- factories


@pytest.fixture
def create_twin(twin_registry, servicer) -> Callable[..., int]:
    """Publishes a twin and returns its id."""

    def create(
        *,
        owner: Any = None,
        kind: TwinKind = TwinKind.PRINTER,
        digest: bytes = b"\x11" * 32,
        cid: str = "bafkreitwinspec",
        **capability: int,
    ) -> int:
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
def match_input(chain) -> Callable[..., tuple[Any, ...]]:
    """A MatchInput tuple (manual by default, planned to start a minute after the next block)."""

    def build(
        order_id: int,
        twin_id: int,
        *,
        rule_id: int = 0,
        rule_version: int = 0,
        planned_start: int | None = None,
        estimated_seconds: int = 3600,
        gcode_cid: str = "bafkreigcode",
    ) -> tuple[Any, ...]:
        start = int(chain.pending_timestamp) + 60 if planned_start is None else planned_start
        return (order_id, twin_id, rule_id, rule_version, start, estimated_seconds, gcode_cid)

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
