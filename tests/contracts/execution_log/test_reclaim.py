"""A printer cannot hold an order in Printing forever (issue 19, point 16): once the print is STALL_FACTOR × its
estimate past its start (an hour at least), the order's customer may take it back; it goes to Rework with top
priority, as after a fault, and is re-matched first."""

from __future__ import annotations

import pytest

from offchain.types import REWORK_PRIORITY, OrderStatus
from tests.contracts.helpers import ZERO_ADDRESS, assert_events, reverts


@pytest.fixture
def started_at(execution_log, printing_order) -> int:
    return int(execution_log.getTask(printing_order).startedAt)


def test_constants(execution_log):
    assert (execution_log.STALL_FACTOR(), execution_log.MIN_STALL_SECONDS()) == (3, 3600)


def test_reclaim_deadline__three_times_the_estimate_after_the_start(execution_log, printing_order, started_at):
    assert execution_log.reclaimDeadline(printing_order) == started_at + 3 * 3600  # the match estimates 3,600 s


def test_reclaim_deadline__short_estimate__an_hour_at_least(
    execution_log, match_ledger, create_order, twin_id, matcher, servicer, match_input
):
    order_id = create_order()
    match_ledger.publishMatches(b"\x00" * 32, "", [match_input(order_id, twin_id, estimated_seconds=60)],
                                sender=matcher)  # fmt: skip
    execution_log.startTask(order_id, sender=servicer)

    assert execution_log.reclaimDeadline(order_id) == execution_log.getTask(order_id).startedAt + 3600


def test_reclaim_deadline__not_printing__zero(execution_log, matched_order, order_id):
    assert execution_log.reclaimDeadline(matched_order) == 0
    assert execution_log.reclaimDeadline(order_id) == 0


def test_reclaim__before_the_deadline__reverts(execution_log, printing_order, customer, started_at, chain):
    chain.pending_timestamp = started_at + 3 * 3600 - 1

    with reverts(execution_log.ExecutionLogNotStalled, orderId=printing_order, deadline=started_at + 3 * 3600,
                 nowTime=started_at + 3 * 3600 - 1):  # fmt: skip
        execution_log.reclaimStalled(printing_order, sender=customer)


@pytest.mark.parametrize("who", ["servicer", "stranger", "matcher", "operator"])
def test_reclaim__not_the_customer__reverts(request, execution_log, printing_order, started_at, chain, who):
    caller = request.getfixturevalue(who)
    chain.pending_timestamp = started_at + 10 * 3600

    with reverts(execution_log.ExecutionLogNotCustomer, orderId=printing_order, caller=caller.address):
        execution_log.reclaimStalled(printing_order, sender=caller)


def test_reclaim__not_printing__reverts(execution_log, matched_order, customer):
    with reverts(execution_log.ExecutionLogInvalidOrderStatus, orderId=matched_order, status=OrderStatus.MATCHED):
        execution_log.reclaimStalled(matched_order, sender=customer)


def test_reclaim__stalled__order_to_rework_first_in_line_task_and_match_cleared(
    execution_log, match_ledger, order_book, printing_order, twin_id, customer, started_at, chain
):
    chain.pending_timestamp = started_at + 3 * 3600

    tx = execution_log.reclaimStalled(printing_order, sender=customer)

    assert_events(
        tx,
        [
            order_book.OrderStatusChanged(
                orderId=printing_order, **{"from": OrderStatus.PRINTING}, to=OrderStatus.REWORK
            ),
            execution_log.TaskReclaimed(
                orderId=printing_order, twinId=twin_id, customer=customer, deadline=started_at + 3 * 3600
            ),
        ],
    )
    order = order_book.getOrder(printing_order)
    assert (order.status, order.priority, order.reworkCount) == (OrderStatus.REWORK, REWORK_PRIORITY, 1)
    task = execution_log.getTask(printing_order)
    assert (task.operator, task.startedAt) == (ZERO_ADDRESS, 0)
    assert match_ledger.getMatch(printing_order).twinId == 0


def test_reclaim__printer_finishes_after_the_reclaim__refused(
    execution_log, printing_order, customer, servicer, started_at, chain
):
    chain.pending_timestamp = started_at + 3 * 3600
    execution_log.reclaimStalled(printing_order, sender=customer)

    with reverts(execution_log.ExecutionLogInvalidOrderStatus, orderId=printing_order, status=OrderStatus.REWORK):
        execution_log.finishTask(printing_order, sender=servicer)
