"""OrderBook's status machine: cancellation, and every allowed and forbidden move of setStatus."""

from __future__ import annotations

import itertools

import pytest

from offchain.types import REWORK_PRIORITY, Mover, OrderStatus, order_moves
from tests.contracts.helpers import assert_events, reverts

ZERO_ADDRESS = "0x" + "00" * 20

# The state an order has to be driven into before a move, as the path of writer moves from Placed.
PATH_TO = {
    OrderStatus.PLACED: [],
    OrderStatus.MATCHED: [OrderStatus.MATCHED],
    OrderStatus.PRINTING: [OrderStatus.MATCHED, OrderStatus.PRINTING],
    OrderStatus.PRINTED: [OrderStatus.MATCHED, OrderStatus.PRINTING, OrderStatus.PRINTED],
    OrderStatus.REWORK: [OrderStatus.MATCHED, OrderStatus.PRINTING, OrderStatus.REWORK],
}
REAL_STATES = [s for s in OrderStatus if s != OrderStatus.NONE]


@pytest.fixture(scope="module")
def order_book(project, twin_registry, admin, customer, other_customer, stranger, accounts):
    """An OrderBook of its own whose status writers are two plain accounts, so the status machine is tested apart
    from MatchLedger and ExecutionLog (which only ever ask for the moves they own). Names the session fixtures the
    module uses, so ape's snapshots see them made first."""
    book = project.OrderBook.deploy(admin, twin_registry, sender=admin)
    book.setStatusWriters(accounts[8], accounts[9], sender=admin)
    return book


@pytest.fixture(scope="module")
def writers(order_book, accounts):
    return {Mover.MATCH_WRITER: accounts[8], Mover.EXECUTION_WRITER: accounts[9]}


def _drive(order_book, order_id, target, writers, customer):
    if target == OrderStatus.CANCELLED:
        order_book.cancelOrder(order_id, sender=customer)
        return
    rework_count = 0
    current = OrderStatus.PLACED
    for step in PATH_TO[target]:
        mover = order_moves(rework_count)[(current, step)]
        order_book.setStatus(order_id, step, sender=writers[mover])
        rework_count += current == OrderStatus.PRINTING and step == OrderStatus.REWORK
        current = step


def _all_moves():
    moves = order_moves(0) | order_moves(1)
    return [(f, t) for f, t in itertools.product(REAL_STATES, REAL_STATES) if (f, t) not in moves]


# ---------------------------------------------------------------------------------------------- cancel


def test_cancel_order__customer_while_placed__cancels_and_emits(order_book, order_id, customer):
    tx = order_book.cancelOrder(order_id, sender=customer)

    assert_events(
        tx,
        [order_book.OrderStatusChanged(orderId=order_id, **{"from": OrderStatus.PLACED}, to=OrderStatus.CANCELLED)],
    )
    assert order_book.statusOf(order_id) == OrderStatus.CANCELLED


def test_cancel_order__other_customer__reverts(order_book, order_id, other_customer):
    with reverts(order_book.OrderBookNotCustomer, orderId=order_id, caller=other_customer.address):
        order_book.cancelOrder(order_id, sender=other_customer)


def test_cancel_order__unknown__reverts(order_book, customer):
    with reverts(order_book.OrderBookOrderNotFound, orderId=77):
        order_book.cancelOrder(77, sender=customer)


@pytest.mark.parametrize("state", [s for s in REAL_STATES if s != OrderStatus.PLACED])
def test_cancel_order__not_placed__reverts(order_book, order_id, customer, writers, state):
    _drive(order_book, order_id, state, writers, customer)

    with reverts(order_book.OrderBookInvalidTransition, orderId=order_id, **{"from": state}, to=OrderStatus.CANCELLED):
        order_book.cancelOrder(order_id, sender=customer)


# ---------------------------------------------------------------------------------------------- setStatus


@pytest.mark.parametrize(
    ("start", "to", "mover"),
    [(f, t, m) for (f, t), m in order_moves(0).items() if m != Mover.CUSTOMER]
    + [(OrderStatus.MATCHED, OrderStatus.REWORK, Mover.MATCH_WRITER)],
)
def test_set_status__allowed_move_by_its_writer__moves_and_emits(
    order_book, create_order, customer, writers, start, to, mover
):
    order_id = create_order()
    if start == OrderStatus.MATCHED and to == OrderStatus.REWORK:
        # Unmatch of an order that a fault sent back: it returns to Rework, not Placed.
        _drive(order_book, order_id, OrderStatus.REWORK, writers, customer)
        order_book.setStatus(order_id, OrderStatus.MATCHED, sender=writers[Mover.MATCH_WRITER])
    else:
        _drive(order_book, order_id, start, writers, customer)

    tx = order_book.setStatus(order_id, to, sender=writers[mover])

    assert_events(tx, [order_book.OrderStatusChanged(orderId=order_id, **{"from": start}, to=to)])
    assert order_book.statusOf(order_id) == to


@pytest.mark.parametrize(
    ("start", "to", "mover"), [(f, t, m) for (f, t), m in order_moves(0).items() if m != Mover.CUSTOMER]
)
def test_set_status__allowed_move_by_the_other_writer__reverts(
    order_book, create_order, customer, writers, start, to, mover
):
    order_id = create_order()
    _drive(order_book, order_id, start, writers, customer)
    wrong = writers[Mover.EXECUTION_WRITER if mover == Mover.MATCH_WRITER else Mover.MATCH_WRITER]

    with reverts(
        order_book.OrderBookNotStatusWriter, orderId=order_id, caller=wrong.address, writer=writers[mover].address
    ):
        order_book.setStatus(order_id, to, sender=wrong)


@pytest.mark.parametrize("caller", ["customer", "stranger", "admin"])
def test_set_status__caller_not_a_writer__reverts(order_book, order_id, writers, customer, stranger, admin, caller):
    account = {"customer": customer, "stranger": stranger, "admin": admin}[caller]
    match_writer = writers[Mover.MATCH_WRITER].address

    with reverts(order_book.OrderBookNotStatusWriter, orderId=order_id, caller=account.address, writer=match_writer):
        order_book.setStatus(order_id, OrderStatus.MATCHED, sender=account)


@pytest.mark.parametrize(("start", "to"), _all_moves())
def test_set_status__move_not_in_machine__reverts(order_book, create_order, customer, writers, start, to):
    order_id = create_order()
    _drive(order_book, order_id, start, writers, customer)

    for writer in writers.values():
        with reverts(order_book.OrderBookInvalidTransition, orderId=order_id, **{"from": start}, to=to):
            order_book.setStatus(order_id, to, sender=writer)


def test_set_status__unmatch_rework_order_to_placed__reverts(order_book, order_id, customer, writers):
    _drive(order_book, order_id, OrderStatus.REWORK, writers, customer)
    order_book.setStatus(order_id, OrderStatus.MATCHED, sender=writers[Mover.MATCH_WRITER])

    with reverts(
        order_book.OrderBookInvalidTransition,
        orderId=order_id,
        **{"from": OrderStatus.MATCHED},
        to=OrderStatus.PLACED,
    ):
        order_book.setStatus(order_id, OrderStatus.PLACED, sender=writers[Mover.MATCH_WRITER])


def test_set_status__unmatch_fresh_order_to_rework__reverts(order_book, order_id, customer, writers):
    _drive(order_book, order_id, OrderStatus.MATCHED, writers, customer)

    with reverts(
        order_book.OrderBookInvalidTransition,
        orderId=order_id,
        **{"from": OrderStatus.MATCHED},
        to=OrderStatus.REWORK,
    ):
        order_book.setStatus(order_id, OrderStatus.REWORK, sender=writers[Mover.MATCH_WRITER])


def test_set_status__none_target__reverts(order_book, order_id, writers):
    with reverts(
        order_book.OrderBookInvalidTransition, orderId=order_id, **{"from": OrderStatus.PLACED}, to=OrderStatus.NONE
    ):
        order_book.setStatus(order_id, OrderStatus.NONE, sender=writers[Mover.MATCH_WRITER])


def test_set_status__unknown_order__reverts(order_book, writers):
    with reverts(order_book.OrderBookOrderNotFound, orderId=3):
        order_book.setStatus(3, OrderStatus.MATCHED, sender=writers[Mover.MATCH_WRITER])


def test_set_status__fault__sets_rework_priority_and_counts(order_book, order_id, customer, writers):
    _drive(order_book, order_id, OrderStatus.REWORK, writers, customer)

    order = order_book.getOrder(order_id)
    assert (order.status, order.priority, order.reworkCount) == (OrderStatus.REWORK, REWORK_PRIORITY, 1)


def test_set_status__second_fault__counts_two(order_book, order_id, customer, writers):
    _drive(order_book, order_id, OrderStatus.REWORK, writers, customer)
    for step in (OrderStatus.MATCHED, OrderStatus.PRINTING, OrderStatus.REWORK):
        mover = Mover.MATCH_WRITER if step == OrderStatus.MATCHED else Mover.EXECUTION_WRITER
        order_book.setStatus(order_id, step, sender=writers[mover])

    assert order_book.getOrder(order_id).reworkCount == 2


def test_set_status__placed_to_cancelled_through_a_writer__reverts(order_book, order_id, writers):
    """Cancelling is the customer's move (`cancelOrder`); no writer can do it through setStatus."""
    for writer in writers.values():
        with reverts(
            order_book.OrderBookInvalidTransition, orderId=order_id, **{"from": OrderStatus.PLACED},
            to=OrderStatus.CANCELLED,
        ):  # fmt: skip
            order_book.setStatus(order_id, OrderStatus.CANCELLED, sender=writer)
    assert order_book.statusOf(order_id) == OrderStatus.PLACED
