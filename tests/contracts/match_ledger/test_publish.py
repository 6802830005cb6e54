"""MatchLedger.publishMatches and unmatch: batches, the on-chain constraint re-check, gas."""

from __future__ import annotations

import pytest

from offchain.types import MAX_BATCH_SIZE, Constraint, OrderStatus, SkipReason, TwinKind, TwinStatus
from tests.contracts.helpers import assert_events, reverts, role
from tests.contracts.values import MM

NO_INPUT = b"\x00" * 32
INPUT_DIGEST = b"\x77" * 32


@pytest.fixture
def rule(match_ledger, matcher) -> int:
    match_ledger.registerRule("FCFS", b"\x55" * 32, "bafkrule", sender=matcher)
    return 1


def test_publish_matches__manual_match__records_match_moves_order_and_emits(
    match_ledger, order_book, matcher, order_id, twin_id, match_input, chain
):
    start = int(chain.pending_timestamp) + 86400
    tx = match_ledger.publishMatches(
        NO_INPUT, "", [match_input(order_id, twin_id, planned_start=start)], sender=matcher
    )

    assert_events(
        tx,
        [
            match_ledger.MatchBatchPublished(batchId=1, matcher=matcher, inputDigest=NO_INPUT, inputCid="", count=1),
            order_book.OrderStatusChanged(orderId=order_id, **{"from": OrderStatus.PLACED}, to=OrderStatus.MATCHED),
            match_ledger.OrderMatched(
                orderId=order_id,
                twinId=twin_id,
                batchId=1,
                ruleId=0,
                ruleVersion=0,
                plannedStart=start,
                estimatedSeconds=3600,
                gcodeCid="bafkreigcode",
            ),
        ],
    )
    assert order_book.statusOf(order_id) == OrderStatus.MATCHED
    match = match_ledger.getMatch(order_id)
    assert (match.twinId, match.ruleId, match.ruleVersion, match.batchId) == (twin_id, 0, 0, 1)
    assert (match.plannedStart, match.estimatedSeconds) == (start, 3600)
    assert match_ledger.batchCount() == 1


def test_publish_matches__rule_match_with_input_snapshot__records_rule(
    match_ledger, matcher, order_id, twin_id, match_input, rule
):
    tx = match_ledger.publishMatches(
        INPUT_DIGEST, "bafkinput", [match_input(order_id, twin_id, rule_id=rule, rule_version=1)], sender=matcher
    )

    assert tx.events[0] == match_ledger.MatchBatchPublished(
        batchId=1, matcher=matcher, inputDigest=INPUT_DIGEST, inputCid="bafkinput", count=1
    )
    assert (match_ledger.getMatch(order_id).ruleId, match_ledger.getMatch(order_id).ruleVersion) == (rule, 1)


def test_publish_matches__rule_match_without_input_digest__reverts(
    match_ledger, matcher, order_id, twin_id, match_input, rule
):
    with reverts(match_ledger.MatchLedgerMissingInputDigest):
        match_ledger.publishMatches(
            NO_INPUT, "", [match_input(order_id, twin_id, rule_id=rule, rule_version=1)], sender=matcher
        )


def test_publish_matches__batch__matches_every_order_in_order(
    match_ledger, order_book, matcher, create_order, twin_id, match_input
):
    orders = [create_order() for _ in range(3)]

    tx = match_ledger.publishMatches(NO_INPUT, "", [match_input(o, twin_id) for o in orders], sender=matcher)

    matched = [log.orderId for log in tx.events if log.event_name == "OrderMatched"]
    assert matched == orders
    assert all(order_book.statusOf(o) == OrderStatus.MATCHED for o in orders)


def skipped(tx) -> list[tuple[int, int, int, int]]:
    """(order, twin, reason, detail) of every MatchSkipped in a receipt."""
    return [(log.orderId, log.twinId, log.reason, log.detail) for log in tx.events if log.event_name == "MatchSkipped"]


def test_publish_matches__same_order_twice_in_batch__second_skipped(
    match_ledger, order_book, matcher, order_id, create_twin, match_input
):
    first, second = create_twin(), create_twin()

    tx = match_ledger.publishMatches(
        NO_INPUT, "", [match_input(order_id, first), match_input(order_id, second)], sender=matcher
    )

    assert skipped(tx) == [(order_id, second, SkipReason.ORDER_NOT_MATCHABLE, OrderStatus.MATCHED)]
    assert match_ledger.getMatch(order_id).twinId == first
    assert match_ledger.batchCount() == 1


def test_publish_matches__already_matched_order__skipped(match_ledger, matcher, matched_order, twin_id, match_input):
    tx = match_ledger.publishMatches(NO_INPUT, "", [match_input(matched_order, twin_id)], sender=matcher)

    assert skipped(tx) == [(matched_order, twin_id, SkipReason.ORDER_NOT_MATCHABLE, OrderStatus.MATCHED)]


def test_publish_matches__one_cancel_in_the_batch__only_that_item_skipped(
    match_ledger, order_book, matcher, customer, create_order, twin_id, match_input
):
    """One customer's cancel landing first used to revert everyone's matches (issue 10, point 3)."""
    orders = [create_order() for _ in range(3)]
    order_book.cancelOrder(orders[1], sender=customer)

    tx = match_ledger.publishMatches(NO_INPUT, "", [match_input(o, twin_id) for o in orders], sender=matcher)

    assert skipped(tx) == [(orders[1], twin_id, SkipReason.ORDER_NOT_MATCHABLE, OrderStatus.CANCELLED)]
    statuses = [order_book.statusOf(o) for o in orders]
    assert statuses == [OrderStatus.MATCHED, OrderStatus.CANCELLED, OrderStatus.MATCHED]
    assert match_ledger.getMatch(orders[1]).twinId == 0


def test_publish_matches__unknown_order__reverts(match_ledger, order_book, matcher, twin_id, match_input):
    with reverts(order_book.OrderBookOrderNotFound, orderId=99):
        match_ledger.publishMatches(NO_INPUT, "", [match_input(99, twin_id)], sender=matcher)


def test_publish_matches__unknown_twin__reverts(match_ledger, twin_registry, matcher, order_id, match_input):
    with reverts(twin_registry.TwinRegistryTwinNotFound, twinId=99):
        match_ledger.publishMatches(NO_INPUT, "", [match_input(order_id, 99)], sender=matcher)


def test_publish_matches__twin_not_printer__reverts(match_ledger, matcher, order_id, create_twin, match_input):
    engraver = create_twin(kind=TwinKind.LASER_ENGRAVER)

    with reverts(match_ledger.MatchLedgerTwinNotPrinter, twinId=engraver, kind=TwinKind.LASER_ENGRAVER):
        match_ledger.publishMatches(NO_INPUT, "", [match_input(order_id, engraver)], sender=matcher)


@pytest.mark.parametrize("status", [TwinStatus.BUSY, TwinStatus.MAINTENANCE, TwinStatus.OFFLINE, TwinStatus.RETIRED])
def test_publish_matches__twin_not_available__item_skipped(
    match_ledger, order_book, twin_registry, servicer, matcher, order_id, twin_id, match_input, status
):
    twin_registry.setTwinStatus(twin_id, status, sender=servicer)

    tx = match_ledger.publishMatches(NO_INPUT, "", [match_input(order_id, twin_id)], sender=matcher)

    assert skipped(tx) == [(order_id, twin_id, SkipReason.TWIN_NOT_AVAILABLE, status)]
    assert order_book.statusOf(order_id) == OrderStatus.PLACED


@pytest.mark.parametrize(
    ("order_fields", "constraint"),
    [
        ({"sizeU": 221 * MM, "sizeV": 10 * MM}, Constraint.FOOTPRINT),  # long side too long
        ({"sizeU": 201 * MM, "sizeV": 201 * MM}, Constraint.FOOTPRINT),  # short side too long
        ({"sizeW": 250 * MM + 1}, Constraint.HEIGHT),
        ({"material": 3}, Constraint.MATERIAL),  # TPU: in the catalogue, not on this printer
        ({"colour": 3}, Constraint.COLOUR),  # blue: in the catalogue, not on this printer
        ({"accuracy": 99}, Constraint.ACCURACY),  # finer than the printer's 100 µm
    ],
)
def test_publish_matches__impossible_match__skipped_naming_constraint(
    match_ledger, order_book, matcher, create_order, twin_id, match_input, order_fields, constraint
):
    order_id = create_order(**order_fields)

    tx = match_ledger.publishMatches(NO_INPUT, "", [match_input(order_id, twin_id)], sender=matcher)

    assert skipped(tx) == [(order_id, twin_id, SkipReason.CONSTRAINT_VIOLATED, constraint)]
    assert order_book.statusOf(order_id) == OrderStatus.PLACED


def test_publish_matches__skipped_item__costs_less_than_a_match(
    match_ledger, order_book, customer, matcher, create_order, twin_id, match_input
):
    """A skip costs at most what a reverted batch would have wasted on that item."""
    ok, cancelled = create_order(), create_order()
    order_book.cancelOrder(cancelled, sender=customer)
    matched = match_ledger.publishMatches(NO_INPUT, "", [match_input(ok, twin_id)], sender=matcher).gas_used
    skip = match_ledger.publishMatches(NO_INPUT, "", [match_input(cancelled, twin_id)], sender=matcher).gas_used
    assert skip < matched


@pytest.mark.parametrize(
    "fields",
    [{"estimated_seconds": 0}, {"estimated_seconds": 30 * 86400 + 1}, {"planned_start": 0}],
    ids=["no estimate", "over 30 days", "start in 1970"],
)
def test_publish_matches__insane_plan__reverts(match_ledger, matcher, order_id, twin_id, match_input, fields):
    item = match_input(order_id, twin_id, **fields)
    with reverts(match_ledger.MatchLedgerInvalidPlan, orderId=order_id, plannedStart=item[4], estimatedSeconds=item[5]):
        match_ledger.publishMatches(NO_INPUT, "", [item], sender=matcher)


def test_publish_matches__start_within_the_tolerance__accepted(
    match_ledger, order_book, matcher, order_id, twin_id, match_input, chain
):
    start = int(chain.pending_timestamp) - 3600 + 5  # an hour late, give or take the block time
    match_ledger.publishMatches(NO_INPUT, "", [match_input(order_id, twin_id, planned_start=start)], sender=matcher)
    assert order_book.statusOf(order_id) == OrderStatus.MATCHED


def test_publish_matches__rule_match_without_gcode__reverts(
    match_ledger, matcher, order_id, twin_id, match_input, rule
):
    item = match_input(order_id, twin_id, rule_id=rule, rule_version=1, gcode_cid="")
    with reverts(match_ledger.MatchLedgerMissingGcode, orderId=order_id):
        match_ledger.publishMatches(INPUT_DIGEST, "bafkinput", [item], sender=matcher)


def test_publish_matches__rule_match_without_input_cid__reverts(
    match_ledger, matcher, order_id, twin_id, match_input, rule
):
    with reverts(match_ledger.MatchLedgerMissingInputDigest):
        match_ledger.publishMatches(
            INPUT_DIGEST, "", [match_input(order_id, twin_id, rule_id=rule, rule_version=1)], sender=matcher
        )


@pytest.mark.parametrize(
    "order_fields",
    [
        {"sizeU": 200 * MM, "sizeV": 220 * MM},  # turned 90° on the plate
        {"sizeU": 220 * MM, "sizeV": 200 * MM, "sizeW": 250 * MM},  # exactly the build volume
        {"accuracy": 100},  # exactly the printer's accuracy
        {"material": 2, "colour": 2},  # highest codes the printer has
    ],
)
def test_publish_matches__boundary_match__is_accepted(
    match_ledger, order_book, matcher, create_order, twin_id, match_input, order_fields
):
    order_id = create_order(**order_fields)

    match_ledger.publishMatches(NO_INPUT, "", [match_input(order_id, twin_id)], sender=matcher)

    assert order_book.statusOf(order_id) == OrderStatus.MATCHED


def test_publish_matches__unknown_rule__reverts(match_ledger, matcher, order_id, twin_id, match_input):
    with reverts(match_ledger.MatchLedgerRuleNotFound, ruleId=3):
        match_ledger.publishMatches(
            INPUT_DIGEST, "cid", [match_input(order_id, twin_id, rule_id=3, rule_version=1)], sender=matcher
        )


@pytest.mark.parametrize("version", [0, 2])
def test_publish_matches__unknown_rule_version__reverts(
    match_ledger, matcher, order_id, twin_id, match_input, rule, version
):
    with reverts(match_ledger.MatchLedgerRuleVersionNotFound, ruleId=rule, ruleVersion=version):
        match_ledger.publishMatches(
            INPUT_DIGEST, "cid", [match_input(order_id, twin_id, rule_id=rule, rule_version=version)], sender=matcher
        )


def test_publish_matches__manual_with_version__reverts(match_ledger, matcher, order_id, twin_id, match_input):
    with reverts(match_ledger.MatchLedgerRuleVersionNotFound, ruleId=0, ruleVersion=1):
        match_ledger.publishMatches(NO_INPUT, "", [match_input(order_id, twin_id, rule_version=1)], sender=matcher)


def test_publish_matches__empty_batch__reverts(match_ledger, matcher):
    with reverts(match_ledger.MatchLedgerInvalidBatchSize, size=0, max=MAX_BATCH_SIZE):
        match_ledger.publishMatches(NO_INPUT, "", [], sender=matcher)


def test_publish_matches__batch_over_limit__reverts(match_ledger, matcher, match_input):
    batch = [match_input(1, 1)] * (MAX_BATCH_SIZE + 1)

    with reverts(match_ledger.MatchLedgerInvalidBatchSize, size=MAX_BATCH_SIZE + 1, max=MAX_BATCH_SIZE):
        match_ledger.publishMatches(NO_INPUT, "", batch, sender=matcher)


def test_publish_matches__not_matcher__reverts(match_ledger, servicer, order_id, twin_id, match_input):
    with reverts(
        match_ledger.AccessControlUnauthorizedAccount, account=servicer.address, neededRole=role("MATCHER_ROLE")
    ):
        match_ledger.publishMatches(NO_INPUT, "", [match_input(order_id, twin_id)], sender=servicer)


def test_publish_matches__rework_order__is_matchable_again(
    match_ledger, order_book, execution_log, matcher, servicer, printing_order, create_twin, match_input
):
    execution_log.reportFault(printing_order, 1, sender=servicer)
    other_twin = create_twin()

    match_ledger.publishMatches(NO_INPUT, "", [match_input(printing_order, other_twin)], sender=matcher)

    assert order_book.statusOf(printing_order) == OrderStatus.MATCHED
    assert match_ledger.getMatch(printing_order).twinId == other_twin


def test_publish_matches__batch_of_10__gas_per_match_within_target(
    match_ledger, order_book, customer, matcher, twin_id, match_input, rule, due_date, chain
):
    from tests.contracts.values import order_request

    order_book.placeOrders([order_request(dueDate=due_date)] * 10, sender=customer)
    batch = [
        match_input(
            order_id,
            twin_id,
            rule_id=rule,
            rule_version=1,
            planned_start=int(chain.pending_timestamp) + order_id * 3600,
            gcode_cid="bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
        )
        for order_id in range(1, 11)
    ]

    tx = match_ledger.publishMatches(INPUT_DIGEST, "bafkinputsnapshot", batch, sender=matcher)

    assert tx.gas_used / 10 <= 80_000


# ---------------------------------------------------------------------------------------------- unmatch


def test_unmatch__matched_order__returns_to_placed_and_emits(match_ledger, order_book, matcher, matched_order, twin_id):
    tx = match_ledger.unmatch(matched_order, sender=matcher)

    assert_events(
        tx,
        [
            order_book.OrderStatusChanged(
                orderId=matched_order, **{"from": OrderStatus.MATCHED}, to=OrderStatus.PLACED
            ),
            match_ledger.OrderUnmatched(orderId=matched_order, twinId=twin_id, matcher=matcher),
        ],
    )
    assert order_book.statusOf(matched_order) == OrderStatus.PLACED
    assert match_ledger.getMatch(matched_order).twinId == 0


def test_unmatch__rematched_rework_order__returns_to_rework(
    match_ledger, order_book, execution_log, matcher, servicer, printing_order, twin_id, match_input
):
    execution_log.reportFault(printing_order, 2, sender=servicer)
    match_ledger.publishMatches(NO_INPUT, "", [match_input(printing_order, twin_id)], sender=matcher)

    match_ledger.unmatch(printing_order, sender=matcher)

    assert order_book.statusOf(printing_order) == OrderStatus.REWORK


def test_unmatch__printing_order__reverts(match_ledger, matcher, printing_order):
    with reverts(match_ledger.MatchLedgerOrderNotMatched, orderId=printing_order, status=OrderStatus.PRINTING):
        match_ledger.unmatch(printing_order, sender=matcher)


def test_unmatch__placed_order__reverts(match_ledger, matcher, order_id):
    with reverts(match_ledger.MatchLedgerOrderNotMatched, orderId=order_id, status=OrderStatus.PLACED):
        match_ledger.unmatch(order_id, sender=matcher)


def test_unmatch__not_matcher_and_not_stranded__reverts(match_ledger, customer, matched_order):
    with reverts(match_ledger.MatchLedgerMatchNotStranded, orderId=matched_order):
        match_ledger.unmatch(matched_order, sender=customer)


def test_unmatch__then_rematch__works(match_ledger, order_book, matcher, matched_order, create_twin, match_input):
    match_ledger.unmatch(matched_order, sender=matcher)
    other = create_twin()

    match_ledger.publishMatches(NO_INPUT, "", [match_input(matched_order, other)], sender=matcher)

    assert match_ledger.getMatch(matched_order).twinId == other


def test_unmatch__execution_log_not_wired__unmatches_all_the_same(
    project, twin_registry, admin, matcher, customer, twin_id, match_input, due_date
):
    """MatchLedger works before ExecutionLog is wired in (`setExecutionLog` comes last at deployment): an unmatch
    then has no assignment to clear and must not call a zero address. Found by the coverage run (this way of the
    `if` was never taken)."""
    from tests.contracts.values import order_request

    book = project.OrderBook.deploy(admin, twin_registry, sender=admin)
    ledger = project.MatchLedger.deploy(admin, book, twin_registry, sender=admin)
    book.setStatusWriters(ledger, admin, sender=admin)
    ledger.grantRole(ledger.MATCHER_ROLE(), matcher, sender=admin)
    order_id = int(book.placeOrder(order_request(dueDate=due_date), sender=customer).events[0].orderId)
    ledger.publishMatches(NO_INPUT, "", [match_input(order_id, twin_id)], sender=matcher)

    tx = ledger.unmatch(order_id, sender=matcher)

    assert_events(
        tx,
        [
            book.OrderStatusChanged(orderId=order_id, **{"from": OrderStatus.MATCHED}, to=OrderStatus.PLACED),
            ledger.OrderUnmatched(orderId=order_id, twinId=twin_id, matcher=matcher.address),
        ],
    )
    assert book.statusOf(order_id) == OrderStatus.PLACED
