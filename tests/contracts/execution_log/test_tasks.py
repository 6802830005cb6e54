"""ExecutionLog: operator assignment, Start / Finish / Fault, telemetry anchors, and who may do each."""

from __future__ import annotations

import pytest

from offchain.types import REWORK_PRIORITY, OrderStatus, TwinStatus
from tests.contracts.helpers import ZERO_ADDRESS, assert_events, reverts

ROOT = b"\x99" * 32


@pytest.fixture
def with_operator(twin_registry, twin_id, servicer, operator):
    twin_registry.setOperator(twin_id, operator, True, sender=servicer)
    return operator


# ---------------------------------------------------------------------------------------------- assign


def test_assign_operator__owner__records_and_emits(execution_log, matched_order, twin_id, servicer, with_operator):
    tx = execution_log.assignOperator(matched_order, with_operator, sender=servicer)

    assert_events(tx, [execution_log.OperatorAssigned(orderId=matched_order, twinId=twin_id, operator=with_operator)])
    assert execution_log.getTask(matched_order).operator == with_operator.address


def test_assign_operator__owner_assigns_self__allowed(execution_log, matched_order, servicer):
    execution_log.assignOperator(matched_order, servicer, sender=servicer)

    assert execution_log.getTask(matched_order).operator == servicer.address


def test_assign_operator__not_a_twin_operator__reverts(execution_log, matched_order, twin_id, servicer, stranger):
    with reverts(execution_log.ExecutionLogNotTwinOperator, twinId=twin_id, operator=stranger.address):
        execution_log.assignOperator(matched_order, stranger, sender=servicer)


def test_assign_operator__not_owner__reverts(execution_log, matched_order, twin_id, with_operator):
    with reverts(
        execution_log.ExecutionLogNotTwinOwner, orderId=matched_order, twinId=twin_id, caller=with_operator.address
    ):
        execution_log.assignOperator(matched_order, with_operator, sender=with_operator)


def test_assign_operator__other_servicer__reverts(execution_log, matched_order, twin_id, other_servicer):
    with reverts(
        execution_log.ExecutionLogNotTwinOwner, orderId=matched_order, twinId=twin_id, caller=other_servicer.address
    ):
        execution_log.assignOperator(matched_order, other_servicer, sender=other_servicer)


def test_assign_operator__order_not_matched__reverts(execution_log, order_id, servicer):
    with reverts(execution_log.ExecutionLogInvalidOrderStatus, orderId=order_id, status=OrderStatus.PLACED):
        execution_log.assignOperator(order_id, servicer, sender=servicer)


def test_assign_operator__printing__reverts(execution_log, printing_order, servicer):
    with reverts(execution_log.ExecutionLogInvalidOrderStatus, orderId=printing_order, status=OrderStatus.PRINTING):
        execution_log.assignOperator(printing_order, servicer, sender=servicer)


# ---------------------------------------------------------------------------------------------- start


def test_start_task__owner__moves_to_printing_and_emits(
    execution_log, order_book, matched_order, twin_id, servicer, chain
):
    tx = execution_log.startTask(matched_order, sender=servicer)

    now = chain.blocks.head.timestamp
    assert_events(
        tx,
        [
            order_book.OrderStatusChanged(
                orderId=matched_order, **{"from": OrderStatus.MATCHED}, to=OrderStatus.PRINTING
            ),
            execution_log.TaskStarted(orderId=matched_order, twinId=twin_id, by=servicer, startedAt=now),
        ],
    )
    assert order_book.statusOf(matched_order) == OrderStatus.PRINTING
    assert execution_log.getTask(matched_order).startedAt == now


def test_start_task__assigned_operator__allowed(execution_log, order_book, matched_order, servicer, with_operator):
    execution_log.assignOperator(matched_order, with_operator, sender=servicer)

    execution_log.startTask(matched_order, sender=with_operator)

    assert order_book.statusOf(matched_order) == OrderStatus.PRINTING


def test_start_task__any_twin_operator_when_none_assigned__allowed(
    execution_log, order_book, matched_order, with_operator
):
    execution_log.startTask(matched_order, sender=with_operator)

    assert order_book.statusOf(matched_order) == OrderStatus.PRINTING


def test_start_task__operator_other_than_assigned__reverts(
    execution_log, twin_registry, twin_id, matched_order, servicer, with_operator, stranger
):
    twin_registry.setOperator(twin_id, stranger, True, sender=servicer)
    execution_log.assignOperator(matched_order, with_operator, sender=servicer)

    with reverts(execution_log.ExecutionLogNotTaskOperator, orderId=matched_order, caller=stranger.address):
        execution_log.startTask(matched_order, sender=stranger)


def test_start_task__assigned_operator_revoked_in_registry__reverts(
    execution_log, twin_registry, twin_id, matched_order, servicer, with_operator
):
    execution_log.assignOperator(matched_order, with_operator, sender=servicer)
    twin_registry.setOperator(twin_id, with_operator, False, sender=servicer)

    with reverts(execution_log.ExecutionLogNotTaskOperator, orderId=matched_order, caller=with_operator.address):
        execution_log.startTask(matched_order, sender=with_operator)


@pytest.mark.parametrize("caller", ["stranger", "customer", "matcher", "other_servicer", "admin"])
def test_start_task__not_owner_or_operator__reverts(execution_log, matched_order, request, caller):
    account = request.getfixturevalue(caller)

    with reverts(execution_log.ExecutionLogNotTaskOperator, orderId=matched_order, caller=account.address):
        execution_log.startTask(matched_order, sender=account)


def test_start_task__placed_order__reverts(execution_log, order_id, servicer):
    with reverts(execution_log.ExecutionLogInvalidOrderStatus, orderId=order_id, status=OrderStatus.PLACED):
        execution_log.startTask(order_id, sender=servicer)


def test_start_task__unknown_order__reverts(execution_log, order_book, servicer):
    with reverts(order_book.OrderBookOrderNotFound, orderId=5):
        execution_log.startTask(5, sender=servicer)


def test_start_task__twice__reverts(execution_log, printing_order, servicer):
    with reverts(execution_log.ExecutionLogInvalidOrderStatus, orderId=printing_order, status=OrderStatus.PRINTING):
        execution_log.startTask(printing_order, sender=servicer)


# ---------------------------------------------------------------------------------------------- finish


def test_finish_task__after_an_hour__records_duration_and_printed(
    execution_log, order_book, printing_order, twin_id, servicer, chain
):
    started = execution_log.getTask(printing_order).startedAt
    chain.pending_timestamp = started + 3600

    tx = execution_log.finishTask(printing_order, sender=servicer)

    assert_events(
        tx,
        [
            order_book.OrderStatusChanged(
                orderId=printing_order, **{"from": OrderStatus.PRINTING}, to=OrderStatus.PRINTED
            ),
            execution_log.TaskFinished(orderId=printing_order, twinId=twin_id, by=servicer, durationSeconds=3600),
        ],
    )
    assert order_book.statusOf(printing_order) == OrderStatus.PRINTED
    assert execution_log.getTask(printing_order).finishedAt == started + 3600


def test_finish_task__operator__allowed(execution_log, order_book, matched_order, with_operator):
    execution_log.startTask(matched_order, sender=with_operator)

    execution_log.finishTask(matched_order, sender=with_operator)

    assert order_book.statusOf(matched_order) == OrderStatus.PRINTED


def test_finish_task__stranger__reverts(execution_log, printing_order, stranger):
    with reverts(execution_log.ExecutionLogNotTaskOperator, orderId=printing_order, caller=stranger.address):
        execution_log.finishTask(printing_order, sender=stranger)


def test_finish_task__not_started__reverts(execution_log, matched_order, servicer):
    with reverts(execution_log.ExecutionLogInvalidOrderStatus, orderId=matched_order, status=OrderStatus.MATCHED):
        execution_log.finishTask(matched_order, sender=servicer)


def test_finish_task__twice__reverts(execution_log, printing_order, servicer):
    execution_log.finishTask(printing_order, sender=servicer)

    with reverts(execution_log.ExecutionLogInvalidOrderStatus, orderId=printing_order, status=OrderStatus.PRINTED):
        execution_log.finishTask(printing_order, sender=servicer)


# ---------------------------------------------------------------------------------------------- fault


def test_report_fault__owner__sends_order_to_rework_with_top_priority(
    execution_log, order_book, printing_order, twin_id, servicer
):
    tx = execution_log.reportFault(printing_order, 3, sender=servicer)

    assert_events(
        tx,
        [
            order_book.OrderStatusChanged(
                orderId=printing_order, **{"from": OrderStatus.PRINTING}, to=OrderStatus.REWORK
            ),
            execution_log.FaultReported(orderId=printing_order, twinId=twin_id, by=servicer, reasonCode=3, attempt=1),
        ],
    )
    order = order_book.getOrder(printing_order)
    assert (order.status, order.priority, order.reworkCount) == (OrderStatus.REWORK, REWORK_PRIORITY, 1)
    task = execution_log.getTask(printing_order)
    assert (task.operator, task.startedAt, task.finishedAt, task.anchors) == (ZERO_ADDRESS, 0, 0, 0)


def test_report_fault__operator__allowed(execution_log, order_book, matched_order, with_operator):
    execution_log.startTask(matched_order, sender=with_operator)

    execution_log.reportFault(matched_order, 1, sender=with_operator)

    assert order_book.statusOf(matched_order) == OrderStatus.REWORK


def test_report_fault__zero_reason__reverts(execution_log, printing_order, servicer):
    with reverts(execution_log.ExecutionLogInvalidReason):
        execution_log.reportFault(printing_order, 0, sender=servicer)


def test_report_fault__stranger__reverts(execution_log, printing_order, stranger):
    with reverts(execution_log.ExecutionLogNotTaskOperator, orderId=printing_order, caller=stranger.address):
        execution_log.reportFault(printing_order, 1, sender=stranger)


def test_report_fault__not_printing__reverts(execution_log, matched_order, servicer):
    with reverts(execution_log.ExecutionLogInvalidOrderStatus, orderId=matched_order, status=OrderStatus.MATCHED):
        execution_log.reportFault(matched_order, 1, sender=servicer)


def test_report_fault__rework_rematched_elsewhere__new_owner_runs_it(
    execution_log,
    match_ledger,
    order_book,
    twin_registry,
    printing_order,
    servicer,
    other_servicer,
    matcher,
    create_twin,
    match_input,
):
    execution_log.reportFault(printing_order, 2, sender=servicer)
    other_twin = create_twin(owner=other_servicer)
    match_ledger.publishMatches(b"\x00" * 32, "", [match_input(printing_order, other_twin)], sender=matcher)

    with reverts(execution_log.ExecutionLogNotTaskOperator, orderId=printing_order, caller=servicer.address):
        execution_log.startTask(printing_order, sender=servicer)
    execution_log.startTask(printing_order, sender=other_servicer)
    tx = execution_log.reportFault(printing_order, 4, sender=other_servicer)

    assert tx.events[-1].attempt == 2
    assert order_book.getOrder(printing_order).reworkCount == 2


def test_twin_status__is_independent_of_tasks(execution_log, twin_registry, printing_order, twin_id, servicer):
    twin_registry.setTwinStatus(twin_id, TwinStatus.MAINTENANCE, sender=servicer)

    execution_log.finishTask(printing_order, sender=servicer)  # a print that was running may still be finished


# ---------------------------------------------------------------------------------------------- telemetry


def test_anchor_telemetry__printing__emits_with_increasing_index(execution_log, printing_order, twin_id, servicer):
    first = execution_log.anchorTelemetry(printing_order, ROOT, "bafktelemetry1", 120, sender=servicer)
    second = execution_log.anchorTelemetry(printing_order, ROOT, "bafktelemetry2", 60, sender=servicer)

    assert_events(
        first,
        [
            execution_log.TelemetryAnchored(
                orderId=printing_order, twinId=twin_id, index=0, merkleRoot=ROOT, cid="bafktelemetry1", count=120
            )
        ],
    )
    assert second.events[0].index == 1
    assert execution_log.getTask(printing_order).anchors == 2


def test_anchor_telemetry__after_printed__allowed(execution_log, printing_order, servicer):
    execution_log.finishTask(printing_order, sender=servicer)

    execution_log.anchorTelemetry(printing_order, ROOT, "cid", 1, sender=servicer)

    assert execution_log.getTask(printing_order).anchors == 1


def test_anchor_telemetry__matched_order__reverts(execution_log, matched_order, servicer):
    with reverts(execution_log.ExecutionLogInvalidOrderStatus, orderId=matched_order, status=OrderStatus.MATCHED):
        execution_log.anchorTelemetry(matched_order, ROOT, "cid", 1, sender=servicer)


@pytest.mark.parametrize(("root", "cid", "count"), [(b"\x00" * 32, "cid", 1), (ROOT, "", 1), (ROOT, "cid", 0)])
def test_anchor_telemetry__incomplete_anchor__reverts(execution_log, printing_order, servicer, root, cid, count):
    with reverts(execution_log.ExecutionLogInvalidAnchor):
        execution_log.anchorTelemetry(printing_order, root, cid, count, sender=servicer)


def test_anchor_telemetry__stranger__reverts(execution_log, printing_order, stranger):
    with reverts(execution_log.ExecutionLogNotTaskOperator, orderId=printing_order, caller=stranger.address):
        execution_log.anchorTelemetry(printing_order, ROOT, "cid", 1, sender=stranger)
