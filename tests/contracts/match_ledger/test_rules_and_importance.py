"""MatchLedger: versioned rules and customer importance."""

from __future__ import annotations

from tests.contracts.helpers import assert_events, reverts, role

DIGEST = b"\x55" * 32


def test_register_rule__matcher__creates_version_1_and_emits(match_ledger, matcher):
    tx = match_ledger.registerRule("Rule 1", DIGEST, "bafkrule1", sender=matcher)

    assert_events(
        tx,
        [match_ledger.RuleRegistered(ruleId=1, version=1, name="Rule 1", specDigest=DIGEST, specCid="bafkrule1")],
    )
    assert match_ledger.latestRuleVersion(1) == 1
    assert match_ledger.ruleSpecDigest(1, 1) == DIGEST
    assert match_ledger.ruleCount() == 1


def test_register_rule__two_rules__get_consecutive_ids(match_ledger, matcher):
    match_ledger.registerRule("FCFS", DIGEST, "cid-a", sender=matcher)
    tx = match_ledger.registerRule("EDD", DIGEST, "cid-b", sender=matcher)

    assert tx.events[0].ruleId == 2
    assert match_ledger.ruleCount() == 2


def test_register_rule_version__existing__increments_and_keeps_old(match_ledger, matcher):
    match_ledger.registerRule("FCFS", DIGEST, "cid-v1", sender=matcher)
    new_digest = b"\x66" * 32

    tx = match_ledger.registerRuleVersion(1, new_digest, "cid-v2", sender=matcher)

    assert_events(
        tx, [match_ledger.RuleRegistered(ruleId=1, version=2, name="", specDigest=new_digest, specCid="cid-v2")]
    )
    assert match_ledger.latestRuleVersion(1) == 2
    assert match_ledger.ruleSpecDigest(1, 1) == DIGEST
    assert match_ledger.ruleSpecDigest(1, 2) == new_digest


def test_register_rule_version__unknown_rule__reverts(match_ledger, matcher):
    with reverts(match_ledger.MatchLedgerRuleNotFound, ruleId=4):
        match_ledger.registerRuleVersion(4, DIGEST, "cid", sender=matcher)


def test_register_rule_version__manual_rule_0__reverts(match_ledger, matcher):
    with reverts(match_ledger.MatchLedgerRuleNotFound, ruleId=0):
        match_ledger.registerRuleVersion(0, DIGEST, "cid", sender=matcher)


def test_register_rule__empty_name__reverts(match_ledger, matcher):
    with reverts(match_ledger.MatchLedgerInvalidRule):
        match_ledger.registerRule("", DIGEST, "cid", sender=matcher)


def test_register_rule__zero_digest__reverts(match_ledger, matcher):
    with reverts(match_ledger.MatchLedgerInvalidRule):
        match_ledger.registerRule("FCFS", b"\x00" * 32, "cid", sender=matcher)


def test_register_rule__empty_cid__reverts(match_ledger, matcher):
    with reverts(match_ledger.MatchLedgerInvalidRule):
        match_ledger.registerRule("FCFS", DIGEST, "", sender=matcher)


def test_register_rule_version__empty_cid__reverts(match_ledger, matcher):
    match_ledger.registerRule("FCFS", DIGEST, "cid", sender=matcher)

    with reverts(match_ledger.MatchLedgerInvalidRule):
        match_ledger.registerRuleVersion(1, DIGEST, "", sender=matcher)


def test_register_rule__not_matcher__reverts(match_ledger, servicer):
    with reverts(
        match_ledger.AccessControlUnauthorizedAccount, account=servicer.address, neededRole=role("MATCHER_ROLE")
    ):
        match_ledger.registerRule("FCFS", DIGEST, "cid", sender=servicer)


def test_register_rule_version__not_matcher__reverts(match_ledger, matcher, stranger):
    match_ledger.registerRule("FCFS", DIGEST, "cid", sender=matcher)

    with reverts(
        match_ledger.AccessControlUnauthorizedAccount, account=stranger.address, neededRole=role("MATCHER_ROLE")
    ):
        match_ledger.registerRuleVersion(1, DIGEST, "cid", sender=stranger)


def test_set_customer_importance__matcher__stores_and_emits(match_ledger, matcher, customer):
    assert match_ledger.customerImportance(customer) == 0

    tx = match_ledger.setCustomerImportance(customer, 1, sender=matcher)

    assert_events(tx, [match_ledger.CustomerImportanceSet(customer=customer, importance=1, matcher=matcher)])
    assert match_ledger.customerImportance(customer) == 1


def test_set_customer_importance__customer_rating_self__reverts(match_ledger, customer):
    with reverts(
        match_ledger.AccessControlUnauthorizedAccount, account=customer.address, neededRole=role("MATCHER_ROLE")
    ):
        match_ledger.setCustomerImportance(customer, 1, sender=customer)


def test_matcher_role__admin_grants_and_revokes(match_ledger, admin, stranger):
    matcher_role = match_ledger.MATCHER_ROLE()
    match_ledger.grantRole(matcher_role, stranger, sender=admin)
    match_ledger.registerRule("FCFS", DIGEST, "cid", sender=stranger)
    match_ledger.revokeRole(matcher_role, stranger, sender=admin)

    with reverts(match_ledger.AccessControlUnauthorizedAccount, account=stranger.address, neededRole=matcher_role):
        match_ledger.registerRule("FCFS", DIGEST, "cid", sender=stranger)


def test_grant_matcher_role__not_admin__reverts(match_ledger, matcher, stranger):
    with reverts(
        match_ledger.AccessControlUnauthorizedAccount,
        account=matcher.address,
        neededRole=match_ledger.DEFAULT_ADMIN_ROLE(),
    ):
        match_ledger.grantRole(match_ledger.MATCHER_ROLE(), stranger, sender=matcher)
