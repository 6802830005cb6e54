"""Wrong callers of the privileged functions not covered per contract: every role's grant and revoke, the admin
hand-over, and shop-floor steps by an operator who is not the task's (same twin) or belongs to another twin."""

from __future__ import annotations

import pytest

from offchain.chain.deploy import hand_over_admin
from tests.contracts.helpers import reverts, role

ADMIN_ROLE = b"\x00" * 32
ROLES = [
    ("twin_registry", "SERVICER_ROLE"),
    ("twin_registry", "DEFAULT_ADMIN_ROLE"),
    ("order_book", "DEFAULT_ADMIN_ROLE"),
    ("match_ledger", "MATCHER_ROLE"),
    ("match_ledger", "DEFAULT_ADMIN_ROLE"),
]


def _role_id(name: str) -> bytes:
    return ADMIN_ROLE if name == "DEFAULT_ADMIN_ROLE" else role(name)


@pytest.mark.parametrize(("contract", "name"), ROLES)
@pytest.mark.parametrize("caller", ["servicer", "matcher", "stranger"])
def test_grant_and_revoke_role__not_admin__reverts(
    platform, servicer, matcher, stranger, other_customer, admin, contract, name, caller
):
    # fixtures named, not looked up inside the test: ape's per-test snapshot must see them created first
    target = getattr(platform, contract)
    account = {"servicer": servicer, "matcher": matcher, "stranger": stranger}[caller]
    grantee = other_customer
    with reverts(target.AccessControlUnauthorizedAccount, account=account.address, neededRole=ADMIN_ROLE):
        target.grantRole(_role_id(name), grantee, sender=account)
    target.grantRole(_role_id(name), grantee, sender=admin)
    with reverts(target.AccessControlUnauthorizedAccount, account=account.address, neededRole=ADMIN_ROLE):
        target.revokeRole(_role_id(name), grantee, sender=account)
    assert target.hasRole(_role_id(name), grantee)


def test_hand_over_admin__old_admin_locked_out_new_admin_in_charge(platform, admin, stranger, other_customer):
    hand_over_admin(platform, admin, other_customer.address)

    for contract in (platform.twin_registry, platform.order_book, platform.match_ledger):
        assert not contract.hasRole(ADMIN_ROLE, admin)
        with reverts(contract.AccessControlUnauthorizedAccount, account=admin.address, neededRole=ADMIN_ROLE):
            contract.grantRole(ADMIN_ROLE, stranger, sender=admin)
        contract.grantRole(ADMIN_ROLE, stranger, sender=other_customer)
        assert contract.hasRole(ADMIN_ROLE, stranger)


@pytest.fixture
def two_operators(twin_registry, twin_id, servicer, operator, stranger):
    twin_registry.setOperator(twin_id, operator, True, sender=servicer)
    twin_registry.setOperator(twin_id, stranger, True, sender=servicer)
    return operator, stranger


@pytest.mark.parametrize("step", ["finish", "fault", "anchor"])
def test_task_step__other_operator_of_the_same_twin__reverts(
    execution_log, servicer, matched_order, two_operators, step
):
    assigned, other = two_operators
    execution_log.assignOperator(matched_order, assigned, sender=servicer)
    execution_log.startTask(matched_order, sender=assigned)
    call = {
        "finish": lambda: execution_log.finishTask(matched_order, sender=other),
        "fault": lambda: execution_log.reportFault(matched_order, 1, sender=other),
        "anchor": lambda: execution_log.anchorTelemetry(matched_order, b"\x01" * 32, "bafkreit", 3, sender=other),
    }[step]
    with reverts(execution_log.ExecutionLogNotTaskOperator, orderId=matched_order, caller=other.address):
        call()


@pytest.mark.parametrize("step", ["start", "assign"])
def test_task_step__operator_of_another_twin__reverts(
    execution_log, twin_registry, create_twin, other_servicer, operator, matched_order, twin_id, step
):
    theirs = create_twin(owner=other_servicer)
    twin_registry.setOperator(theirs, operator, True, sender=other_servicer)
    if step == "start":
        with reverts(execution_log.ExecutionLogNotTaskOperator, orderId=matched_order, caller=operator.address):
            execution_log.startTask(matched_order, sender=operator)
    else:
        with reverts(execution_log.ExecutionLogNotTwinOwner, orderId=matched_order, twinId=twin_id,
                     caller=other_servicer.address):  # fmt: skip
            execution_log.assignOperator(matched_order, operator, sender=other_servicer)
