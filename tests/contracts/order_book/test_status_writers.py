"""OrderBook's status writers: fixed once at deployment to MatchLedger and ExecutionLog, never changeable, and no
role an account (the admin included) could be granted to move an order's status."""

from __future__ import annotations

import pytest

from offchain.types import OrderStatus
from tests.contracts.helpers import assert_events, reverts
from tests.contracts.values import order_request

ZERO_ADDRESS = "0x" + "00" * 20
ADMIN_ROLE = b"\x00" * 32


def test_status_writers__deployed_platform__are_match_ledger_and_execution_log(platform):
    book = platform.order_book

    assert (book.matchWriter(), book.executionWriter()) == (
        platform.match_ledger.address,
        platform.execution_log.address,
    )


def test_set_status_writers__second_time__reverts_even_for_the_admin(platform, admin, stranger, other_customer):
    with reverts(platform.order_book.OrderBookStatusWritersFixed):
        platform.order_book.setStatusWriters(stranger, other_customer, sender=admin)

    assert platform.order_book.matchWriter() == platform.match_ledger.address


def test_admin__cannot_move_an_order_by_any_means(platform, admin, customer, due_date):
    """The bypass the issue found: the admin granted itself a writer role and drove an order to Printed with no
    match. There is no such role any more, and the writers are fixed: every attempt is refused."""
    book = platform.order_book
    order_id = int(book.placeOrder(order_request(dueDate=due_date), sender=customer).events[0].orderId)
    with reverts(
        book.OrderBookNotStatusWriter, orderId=order_id, caller=admin.address, writer=platform.match_ledger.address
    ):
        book.setStatus(order_id, OrderStatus.MATCHED, sender=admin)
    for role_name in ("MATCH_WRITER_ROLE", "EXECUTION_WRITER_ROLE"):  # the roles of the old design are gone
        assert not hasattr(book, role_name)
    with reverts(book.OrderBookStatusWritersFixed):
        book.setStatusWriters(admin, admin, sender=admin)
    assert book.statusOf(order_id) == OrderStatus.PLACED


def test_set_status__before_the_writers_are_set__refused_for_everyone(project, twin_registry, admin, due_date):
    book = project.OrderBook.deploy(admin, twin_registry, sender=admin)
    book.placeOrder(order_request(dueDate=due_date), sender=admin)

    with reverts(book.OrderBookNotStatusWriter, orderId=1, caller=admin.address, writer=ZERO_ADDRESS):
        book.setStatus(1, OrderStatus.MATCHED, sender=admin)


@pytest.mark.parametrize(
    ("match_writer", "execution_writer"), [("zero", "stranger"), ("stranger", "zero"), ("stranger", "stranger")]
)
def test_set_status_writers__zero_or_same__reverts(
    project, twin_registry, admin, stranger, match_writer, execution_writer
):
    book = project.OrderBook.deploy(admin, twin_registry, sender=admin)
    pick = {"zero": ZERO_ADDRESS, "stranger": stranger.address}

    with reverts(book.OrderBookStatusWritersFixed):
        book.setStatusWriters(pick[match_writer], pick[execution_writer], sender=admin)


@pytest.mark.parametrize("caller", ["customer", "stranger", "servicer"])
def test_set_status_writers__not_admin__reverts(project, twin_registry, admin, customer, stranger, servicer, caller):
    book = project.OrderBook.deploy(admin, twin_registry, sender=admin)
    account = {"customer": customer, "stranger": stranger, "servicer": servicer}[caller]

    with reverts(book.AccessControlUnauthorizedAccount, account=account.address, neededRole=ADMIN_ROLE):
        book.setStatusWriters(account, stranger, sender=account)


def test_set_status_writers__emits_once(project, twin_registry, admin, stranger, customer):
    book = project.OrderBook.deploy(admin, twin_registry, sender=admin)

    tx = book.setStatusWriters(stranger, customer, sender=admin)

    assert_events(tx, [book.StatusWritersSet(matchWriter=stranger.address, executionWriter=customer.address)])
