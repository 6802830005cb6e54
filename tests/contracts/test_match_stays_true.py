"""A match stays true until it is printed (issue 10, contract points 1, 2, 4, 5, 9): what happens to a matched order
when its printer changes or leaves service, who may retire a twin and revoke its operators, operator assignments
across an unmatch, the match of an order back in Rework, catalogue removals and later twin updates."""

from __future__ import annotations

import pytest

from offchain.types import CatalogueKind, Constraint, OrderStatus, TwinStatus
from tests.contracts.helpers import reverts
from tests.contracts.values import MM, capability_tuple

NO_INPUT = b"\x00" * 32


def shrink(twin_registry, owner, twin_id, **capability) -> None:
    """The owner records a new document version whose capability differs (the order's fit may break)."""
    version = twin_registry.getTwin(twin_id).version
    twin_registry.updateTwin(
        twin_id, version, capability_tuple(**capability), b"\x12" * 32, "bafkreinew", "bafkreipatch", sender=owner
    )


# ---------------------------------------------------------------------------------------------- 1. stranded matches


@pytest.mark.parametrize(
    ("capability", "constraint"),
    [
        ({"buildZ": 10 * MM}, Constraint.HEIGHT),  # the sample part is 30 mm high
        ({"materialMask": 0b110}, Constraint.MATERIAL),  # PLA dropped
    ],
)
def test_start_task__twin_no_longer_fits__refused_naming_the_constraint(
    execution_log, twin_registry, servicer, matched_order, twin_id, capability, constraint
):
    shrink(twin_registry, servicer, twin_id, **capability)

    with reverts(
        execution_log.ExecutionLogConstraintViolated, orderId=matched_order, twinId=twin_id, constraint=constraint
    ):
        execution_log.startTask(matched_order, sender=servicer)


@pytest.mark.parametrize("status", [TwinStatus.MAINTENANCE, TwinStatus.OFFLINE, TwinStatus.RETIRED])
def test_start_task__twin_out_of_service__refused(
    execution_log, twin_registry, servicer, matched_order, twin_id, status
):
    twin_registry.setTwinStatus(twin_id, status, sender=servicer)  # allowed: a broken printer is markable as broken

    with reverts(execution_log.ExecutionLogTwinNotPrintable, twinId=twin_id, status=status):
        execution_log.startTask(matched_order, sender=servicer)


def test_start_task__busy_twin__still_starts(
    execution_log, order_book, twin_registry, servicer, matched_order, twin_id
):
    twin_registry.setTwinStatus(twin_id, TwinStatus.BUSY, sender=servicer)
    execution_log.startTask(matched_order, sender=servicer)
    assert order_book.statusOf(matched_order) == OrderStatus.PRINTING


def test_unmatch__stranded_match__anyone_may_withdraw_it_and_it_can_be_rematched(
    match_ledger, order_book, twin_registry, servicer, stranger, matcher, matched_order, twin_id, create_twin,
    match_input,
):  # fmt: skip
    assert not match_ledger.isStranded(matched_order)
    with reverts(match_ledger.MatchLedgerMatchNotStranded, orderId=matched_order):
        match_ledger.unmatch(matched_order, sender=stranger)

    twin_registry.setTwinStatus(twin_id, TwinStatus.OFFLINE, sender=servicer)
    assert match_ledger.isStranded(matched_order)
    tx = match_ledger.unmatch(matched_order, sender=stranger)

    assert tx.events[-1] == match_ledger.OrderUnmatched(orderId=matched_order, twinId=twin_id, matcher=stranger)
    assert order_book.statusOf(matched_order) == OrderStatus.PLACED
    other = create_twin()
    match_ledger.publishMatches(NO_INPUT, "", [match_input(matched_order, other)], sender=matcher)
    assert match_ledger.getMatch(matched_order).twinId == other


def test_unmatch__twin_briefly_in_maintenance__not_stranded_for_strangers_until_the_grace_is_over(
    match_ledger, order_book, twin_registry, servicer, stranger, matcher, matched_order, twin_id, chain
):
    """One block of Maintenance let any account withdraw all of a printer's matches. Now a Maintenance match is
    stranded only MAINTENANCE_GRACE (an hour) past its planned start; matchers may still withdraw it at once."""
    assert match_ledger.MAINTENANCE_GRACE() == 3600
    planned = match_ledger.getMatch(matched_order).plannedStart
    twin_registry.setTwinStatus(twin_id, TwinStatus.MAINTENANCE, sender=servicer)

    assert not match_ledger.isStranded(matched_order)
    with reverts(match_ledger.MatchLedgerMatchNotStranded, orderId=matched_order):
        match_ledger.unmatch(matched_order, sender=stranger)

    chain.pending_timestamp = planned + 3600
    chain.mine()
    assert match_ledger.isStranded(matched_order)
    match_ledger.unmatch(matched_order, sender=stranger)
    assert order_book.statusOf(matched_order) == OrderStatus.PLACED


def test_unmatch__twin_in_maintenance__a_matcher_may_withdraw_at_once(
    match_ledger, order_book, twin_registry, servicer, matcher, matched_order, twin_id
):
    twin_registry.setTwinStatus(twin_id, TwinStatus.MAINTENANCE, sender=servicer)

    match_ledger.unmatch(matched_order, sender=matcher)

    assert order_book.statusOf(matched_order) == OrderStatus.PLACED


def test_is_stranded__capability_change__true_only_for_matched_orders(
    match_ledger, twin_registry, servicer, matched_order, order_id, twin_id
):
    shrink(twin_registry, servicer, twin_id, buildZ=10 * MM)
    assert match_ledger.isStranded(matched_order)
    assert not match_ledger.isStranded(order_id)  # Placed: nothing to strand


# ---------------------------------------------------------------------------------------------- 2. retiring


def test_set_twin_status__operator_cannot_retire(twin_registry, servicer, operator, twin_id):
    twin_registry.setOperator(twin_id, operator, True, sender=servicer)
    twin_registry.setTwinStatus(twin_id, TwinStatus.MAINTENANCE, sender=operator)  # other statuses: fine

    with reverts(twin_registry.TwinRegistryNotTwinOwner, twinId=twin_id, caller=operator.address):
        twin_registry.setTwinStatus(twin_id, TwinStatus.RETIRED, sender=operator)


def test_set_operator__retired_twin__owner_still_revokes_but_cannot_add(twin_registry, servicer, operator, stranger,
                                                                        twin_id):  # fmt: skip
    twin_registry.setOperator(twin_id, operator, True, sender=servicer)
    twin_registry.setTwinStatus(twin_id, TwinStatus.RETIRED, sender=servicer)

    twin_registry.setOperator(twin_id, operator, False, sender=servicer)
    assert not twin_registry.isOperator(twin_id, operator)
    with reverts(twin_registry.TwinRegistryTwinRetired, twinId=twin_id):
        twin_registry.setOperator(twin_id, stranger, True, sender=servicer)
    with reverts(twin_registry.TwinRegistryNotTwinOwner, twinId=twin_id, caller=stranger.address):
        twin_registry.setOperator(twin_id, operator, False, sender=stranger)


def test_retired_twin__printing_order__only_a_fault_is_recorded(
    execution_log, order_book, twin_registry, servicer, printing_order, twin_id
):
    twin_registry.setTwinStatus(twin_id, TwinStatus.RETIRED, sender=servicer)

    with reverts(execution_log.ExecutionLogTwinNotPrintable, twinId=twin_id, status=TwinStatus.RETIRED):
        execution_log.finishTask(printing_order, sender=servicer)
    with reverts(execution_log.ExecutionLogTwinNotPrintable, twinId=twin_id, status=TwinStatus.RETIRED):
        execution_log.anchorTelemetry(printing_order, b"\x01" * 32, "bafkreitelemetry", 10, sender=servicer)
    execution_log.reportFault(printing_order, 6, sender=servicer)  # power loss: back to the pool
    assert order_book.statusOf(printing_order) == OrderStatus.REWORK


# ---------------------------------------------------------------------------------------------- 4. assignments


def test_unmatch__clears_the_operator_assignment(
    execution_log, match_ledger, twin_registry, servicer, operator, matcher, matched_order, twin_id, create_twin,
    other_servicer, match_input,
):  # fmt: skip
    twin_registry.setOperator(twin_id, operator, True, sender=servicer)
    execution_log.assignOperator(matched_order, operator, sender=servicer)

    tx = match_ledger.unmatch(matched_order, sender=matcher)

    assert execution_log.OperatorAssigned(orderId=matched_order, twinId=0, operator=f"0x{'0' * 40}") in tx.events
    assert execution_log.getTask(matched_order).operator == f"0x{'0' * 40}"
    # re-matched to another owner's twin that `operator` also works on: not assigned, the owner assigns anew
    other = create_twin(owner=other_servicer)
    twin_registry.setOperator(other, operator, True, sender=other_servicer)
    match_ledger.publishMatches(NO_INPUT, "", [match_input(matched_order, other)], sender=matcher)
    assert execution_log.getTask(matched_order).operator == f"0x{'0' * 40}"


def test_clear_assignment__not_match_ledger__refused(execution_log, servicer, matched_order):
    with reverts(execution_log.ExecutionLogNotMatchLedger, caller=servicer.address):
        execution_log.clearAssignment(matched_order, sender=servicer)


# ---------------------------------------------------------------------------------------------- 5. rework


def test_get_match__order_back_in_rework__has_no_match(execution_log, match_ledger, servicer, printing_order, twin_id):
    assert match_ledger.getMatch(printing_order).twinId == twin_id
    execution_log.reportFault(printing_order, 1, sender=servicer)
    match = match_ledger.getMatch(printing_order)
    assert (match.twinId, match.batchId, match.estimatedSeconds) == (0, 0, 0)


def test_clear_match__not_execution_log__refused(match_ledger, matcher, matched_order):
    with reverts(match_ledger.MatchLedgerNotExecutionLog, caller=matcher.address):
        match_ledger.clearMatch(matched_order, sender=matcher)


def test_set_execution_log__only_once_only_admin(match_ledger, execution_log, admin, stranger):
    with reverts(match_ledger.AccessControlUnauthorizedAccount, account=stranger.address, neededRole=b"\x00" * 32):
        match_ledger.setExecutionLog(stranger, sender=stranger)
    with reverts(match_ledger.MatchLedgerExecutionLogFixed):
        match_ledger.setExecutionLog(stranger, sender=admin)  # wired at deployment already


# ---------------------------------------------------------------------------------------------- 9. catalogue


def test_update_twin__code_removed_from_catalogue__document_only_update_still_works(
    twin_registry, admin, servicer, twin_id
):
    twin_registry.removeCatalogueEntry(CatalogueKind.MATERIAL, 2, sender=admin)  # PETG, which the twin has

    shrink(twin_registry, servicer, twin_id)  # same capability, new document
    assert twin_registry.getTwin(twin_id).version == 2


def test_update_twin__newly_adding_a_removed_code__refused(twin_registry, admin, servicer, create_twin):
    twin_id = create_twin(materialMask=0b011)  # PLA, ABS
    twin_registry.removeCatalogueEntry(CatalogueKind.MATERIAL, 2, sender=admin)

    with reverts(twin_registry.TwinRegistryUnknownMaterials, unknownMask=0b100):
        shrink(twin_registry, servicer, twin_id, materialMask=0b111)
