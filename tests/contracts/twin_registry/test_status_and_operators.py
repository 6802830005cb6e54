"""TwinRegistry.setTwinStatus and setOperator."""

from __future__ import annotations

import pytest

from offchain.types import TwinStatus
from tests.contracts.helpers import ZERO_ADDRESS, assert_events, reverts

SETTABLE = [s for s in TwinStatus if s != TwinStatus.NONE]


@pytest.mark.parametrize("status", [s for s in SETTABLE if s != TwinStatus.AVAILABLE])
def test_set_twin_status__owner__changes_and_emits(twin_registry, twin_id, servicer, status):
    tx = twin_registry.setTwinStatus(twin_id, status, sender=servicer)

    assert_events(
        tx, [twin_registry.TwinStatusChanged(twinId=twin_id, **{"from": TwinStatus.AVAILABLE}, to=status, by=servicer)]
    )
    assert twin_registry.getTwin(twin_id).status == status


def test_set_twin_status__operator__changes(twin_registry, twin_id, servicer, operator):
    twin_registry.setOperator(twin_id, operator, True, sender=servicer)

    tx = twin_registry.setTwinStatus(twin_id, TwinStatus.MAINTENANCE, sender=operator)

    assert_events(
        tx,
        [
            twin_registry.TwinStatusChanged(
                twinId=twin_id, **{"from": TwinStatus.AVAILABLE}, to=TwinStatus.MAINTENANCE, by=operator
            )
        ],
    )


def test_set_twin_status__stranger__reverts(twin_registry, twin_id, stranger):
    with reverts(twin_registry.TwinRegistryNotTwinOwnerOrOperator, twinId=twin_id, caller=stranger.address):
        twin_registry.setTwinStatus(twin_id, TwinStatus.OFFLINE, sender=stranger)


def test_set_twin_status__revoked_operator__reverts(twin_registry, twin_id, servicer, operator):
    twin_registry.setOperator(twin_id, operator, True, sender=servicer)
    twin_registry.setOperator(twin_id, operator, False, sender=servicer)

    with reverts(twin_registry.TwinRegistryNotTwinOwnerOrOperator, twinId=twin_id, caller=operator.address):
        twin_registry.setTwinStatus(twin_id, TwinStatus.OFFLINE, sender=operator)


@pytest.mark.parametrize("status", [TwinStatus.NONE, TwinStatus.AVAILABLE])
def test_set_twin_status__none_or_unchanged__reverts(twin_registry, twin_id, servicer, status):
    with reverts(twin_registry.TwinRegistryInvalidStatus, twinId=twin_id, status=status):
        twin_registry.setTwinStatus(twin_id, status, sender=servicer)


def test_set_twin_status__retired__is_final(twin_registry, twin_id, servicer):
    twin_registry.setTwinStatus(twin_id, TwinStatus.RETIRED, sender=servicer)

    with reverts(twin_registry.TwinRegistryTwinRetired, twinId=twin_id):
        twin_registry.setTwinStatus(twin_id, TwinStatus.AVAILABLE, sender=servicer)


def test_set_twin_status__unknown_twin__reverts(twin_registry, servicer):
    with reverts(twin_registry.TwinRegistryTwinNotFound, twinId=3):
        twin_registry.setTwinStatus(3, TwinStatus.OFFLINE, sender=servicer)


def test_set_operator__owner__allows_and_revokes(twin_registry, twin_id, servicer, operator):
    tx = twin_registry.setOperator(twin_id, operator, True, sender=servicer)
    assert_events(tx, [twin_registry.TwinOperatorSet(twinId=twin_id, operator=operator, allowed=True)])
    assert twin_registry.isOperator(twin_id, operator)

    tx = twin_registry.setOperator(twin_id, operator, False, sender=servicer)
    assert_events(tx, [twin_registry.TwinOperatorSet(twinId=twin_id, operator=operator, allowed=False)])
    assert not twin_registry.isOperator(twin_id, operator)


def test_set_operator__is_per_twin(twin_registry, create_twin, servicer, operator):
    first, second = create_twin(), create_twin()
    twin_registry.setOperator(first, operator, True, sender=servicer)

    assert twin_registry.isOperator(first, operator)
    assert not twin_registry.isOperator(second, operator)


def test_set_operator__not_owner__reverts(twin_registry, twin_id, operator):
    with reverts(twin_registry.TwinRegistryNotTwinOwner, twinId=twin_id, caller=operator.address):
        twin_registry.setOperator(twin_id, operator, True, sender=operator)


def test_set_operator__zero_address__reverts(twin_registry, twin_id, servicer):
    with reverts(twin_registry.TwinRegistryZeroOperator):
        twin_registry.setOperator(twin_id, ZERO_ADDRESS, True, sender=servicer)


def test_set_operator__retired_twin__reverts(twin_registry, twin_id, servicer, operator):
    twin_registry.setTwinStatus(twin_id, TwinStatus.RETIRED, sender=servicer)

    with reverts(twin_registry.TwinRegistryTwinRetired, twinId=twin_id):
        twin_registry.setOperator(twin_id, operator, True, sender=servicer)


def test_set_operator__unknown_twin__reverts(twin_registry, servicer, operator):
    with reverts(twin_registry.TwinRegistryTwinNotFound, twinId=5):
        twin_registry.setOperator(5, operator, True, sender=servicer)
