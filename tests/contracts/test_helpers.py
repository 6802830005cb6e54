"""The assertion helpers must fail when they should (they are stricter than ape's own)."""

from __future__ import annotations

import pytest

from tests.contracts.helpers import assert_events, expect, reverts
from tests.contracts.values import order_request


def test_reverts__wrong_argument_value__fails(order_book, customer):
    with pytest.raises(AssertionError, match="orderId"), reverts(order_book.OrderBookOrderNotFound, orderId=2):
        order_book.cancelOrder(1, sender=customer)


def test_reverts__argument_not_asserted__fails(order_book, other_customer, order_id):
    with pytest.raises(AssertionError, match="arguments"), reverts(order_book.OrderBookNotCustomer, orderId=order_id):
        order_book.cancelOrder(order_id, sender=other_customer)


def test_reverts__other_error__fails(order_book, customer):
    with pytest.raises(AssertionError, match="OrderBookNotCustomer"), reverts(order_book.OrderBookNotCustomer):
        order_book.cancelOrder(1, sender=customer)


def test_reverts__error_of_a_called_contract__is_decoded_and_checked(
    match_ledger, order_book, matcher, twin_id, match_input
):
    with pytest.raises(AssertionError, match="orderId"), reverts(order_book.OrderBookOrderNotFound, orderId=1):
        match_ledger.publishMatches(b"\x00" * 32, "", [match_input(99, twin_id)], sender=matcher)


def test_reverts__no_revert__fails(order_book, customer, order_id):
    with pytest.raises(AssertionError, match="did not revert"), reverts(order_book.OrderBookOrderNotFound, orderId=1):
        order_book.cancelOrder(order_id, sender=customer)


def test_assert_events__argument_omitted__fails(order_book, customer, order_id):
    tx = order_book.cancelOrder(order_id, sender=customer)

    with pytest.raises(AssertionError, match="does not assert"):
        assert_events(tx, [order_book.OrderStatusChanged(orderId=order_id)])


def test_assert_events__struct_argument_differs__fails(order_book, customer, due_date):
    tx = order_book.placeOrder(order_request(dueDate=due_date), sender=customer)

    with pytest.raises(AssertionError, match="request"):
        assert_events(
            tx,
            [expect(order_book.OrderPlaced, orderId=1, customer=customer, request=order_request(dueDate=due_date + 1))],
        )


def test_assert_events__missing_event__fails(order_book, customer, order_id):
    tx = order_book.cancelOrder(order_id, sender=customer)

    with pytest.raises(AssertionError, match="events"):
        assert_events(tx, [])
