"""The four contract wrappers: typed reads, `build_…` simulated before signing, custom errors decoded into the
exception tree (simulated and mined), and the signer's receipts."""

from __future__ import annotations

import pytest

from offchain.chain.connection import Chain
from offchain.chain.records import MatchInput, OrderRequest
from offchain.chain.requests import sample_order
from offchain.exceptions import (
    ChainError,
    ContractRevertError,
    InvalidInputError,
    InvalidStateError,
    NotAuthorisedError,
    NotFoundError,
    RegistryError,
    TwinNotFoundError,
)
from offchain.types import Capability, Constraint, OrderStatus, TwinKind, TwinStatus

CAPABILITY = Capability(200_000, 200_000, 200_000, 100, 0b111, 0b111)


@pytest.fixture
def request_(chain) -> OrderRequest:
    return OrderRequest.from_abi(sample_order(int(chain.pending_timestamp) + 7 * 86400))


@pytest.fixture
def placed(sdk, signer_of, customer, request_) -> int:
    sent = signer_of(customer).transact(sdk.order_book.build_place(request_, sender=customer.address))
    (order_id,) = sdk.order_book.placed_ids(sent.receipt)
    return order_id


@pytest.fixture
def twin(sdk, signer_of, servicer) -> int:
    tx = sdk.twin_registry.build_publish(
        TwinKind.PRINTER, CAPABILITY, b"\x11" * 32, "bafkreitwin", sender=servicer.address
    )
    return sdk.twin_registry.published_id(signer_of(servicer).transact(tx).receipt)


def test_order_book__place_then_read__typed_values(sdk, placed, customer, request_) -> None:
    order = sdk.order_book.order(placed)
    assert (order.order_id, order.customer, order.status) == (placed, customer.address, OrderStatus.PLACED)
    assert (order.size_u, order.size_v, order.size_w, order.quantity) == (50_000, 40_000, 30_000, 1)
    assert sdk.order_book.placed_order(placed).request == request_


def test_order_book__cart__ids_in_cart_order(sdk, signer_of, customer, request_) -> None:
    sent = signer_of(customer).transact(sdk.order_book.build_place_cart([request_, request_], sender=customer.address))
    first, second = sdk.order_book.placed_ids(sent.receipt)
    assert second == first + 1


def test_build__wrong_caller__not_authorised_before_signing(sdk, placed, stranger) -> None:
    with pytest.raises(NotAuthorisedError) as caught:
        sdk.order_book.build_cancel(placed, sender=stranger.address)
    assert caught.value.error == "OrderBookNotCustomer"
    assert caught.value.arguments == {"orderId": placed, "caller": stranger.address}
    assert "OrderBook.cancelOrder refused: OrderBookNotCustomer(" in str(caught.value)


def test_build__unknown_order__not_found(sdk, customer) -> None:
    with pytest.raises(NotFoundError) as caught:
        sdk.order_book.build_cancel(99, sender=customer.address)
    assert (caught.value.error, caught.value.arguments) == ("OrderBookOrderNotFound", {"orderId": 99})


def test_build__bad_value__invalid_input(sdk, customer, request_) -> None:
    from dataclasses import replace

    with pytest.raises(InvalidInputError) as caught:
        sdk.order_book.build_place(replace(request_, quantity=0), sender=customer.address)
    assert caught.value.error == "OrderBookZeroQuantity"


def test_build__role_missing__access_control_error_decoded(sdk, stranger) -> None:
    with pytest.raises(NotAuthorisedError) as caught:
        sdk.match_ledger.build_register_rule("x", b"\x01" * 32, "bafkrule", sender=stranger.address)
    assert caught.value.error == "AccessControlUnauthorizedAccount"
    assert caught.value.arguments["account"] == stranger.address


def test_unsigned_tx__for_wallet__hex_quantities(sdk, placed, customer) -> None:
    tx = sdk.order_book.build_cancel(placed, sender=customer.address)
    wallet = tx.for_wallet()
    assert wallet["to"] == sdk.order_book.address
    assert wallet["data"].startswith("0x")
    assert int(wallet["gas"], 16) == tx.gas > 21_000
    assert int(wallet["chainId"], 16) == sdk.registry.chain_id


def test_signer__mined_failure__decoded_with_its_hash(sdk, signer_of, placed, customer) -> None:
    first = sdk.order_book.build_cancel(placed, sender=customer.address)
    second = sdk.order_book.build_cancel(placed, sender=customer.address)  # valid when built, stale when mined
    signer = signer_of(customer)
    signer.transact(first)
    with pytest.raises(InvalidStateError) as caught:
        signer.transact(second)
    assert caught.value.error == "OrderBookInvalidTransition"
    assert caught.value.tx_hash
    assert caught.value.tx_hash.startswith("0x")
    assert sdk.order_book.status(placed) == OrderStatus.CANCELLED


def test_signer__tx_of_another_sender__refused(sdk, signer_of, placed, customer, stranger) -> None:
    with pytest.raises(ChainError, match="built for"):
        signer_of(stranger).transact(sdk.order_book.build_cancel(placed, sender=customer.address))


def test_twin_registry__publish_status_operator(sdk, signer_of, twin, servicer, operator) -> None:
    record = sdk.twin_registry.twin(twin)
    assert (record.owner, record.kind, record.status, record.capability) == (
        servicer.address, TwinKind.PRINTER, TwinStatus.AVAILABLE, CAPABILITY,
    )  # fmt: skip
    signer = signer_of(servicer)
    signer.transact(sdk.twin_registry.build_set_operator(twin, operator.address, True, sender=servicer.address))
    signer.transact(sdk.twin_registry.build_set_status(twin, TwinStatus.MAINTENANCE, sender=servicer.address))
    assert sdk.twin_registry.operators(twin) == [operator.address]
    assert sdk.twin_registry.twin(twin).status == TwinStatus.MAINTENANCE
    assert sdk.twin_registry.current_cid(twin) == "bafkreitwin"
    with pytest.raises(TwinNotFoundError):
        sdk.twin_registry.twin(twin + 1)


def test_twin_registry__catalogue__from_events(sdk) -> None:
    catalogue = sdk.twin_registry.catalogue()
    assert catalogue.materials
    assert catalogue.colours
    assert all(isinstance(code, int) and name for code, name in catalogue.materials.items())


def test_match_and_tasks__whole_story(sdk, signer_of, placed, twin, matcher, servicer, operator, chain) -> None:
    ledger, log = sdk.match_ledger, sdk.execution_log
    rule_tx = ledger.build_register_rule("manual-test", b"\x05" * 32, "bafkrule", sender=matcher.address)
    rule_id, version = ledger.registered(signer_of(matcher).transact(rule_tx).receipt)
    start = int(chain.pending_timestamp) + 60
    item = MatchInput(placed, twin, rule_id, version, start, 3600, "bafkgcode")
    signer_of(matcher).transact(ledger.build_publish(b"\x06" * 32, "bafkinput", [item], sender=matcher.address))
    match = ledger.match(placed)
    assert (match.twin_id, match.rule_id, match.planned_start, match.estimated_seconds) == (twin, rule_id, start, 3600)
    owner = signer_of(servicer)
    owner.transact(sdk.twin_registry.build_set_operator(twin, operator.address, True, sender=servicer.address))
    owner.transact(log.build_assign(placed, operator.address, sender=servicer.address))
    worker = signer_of(operator)
    worker.transact(log.build_start(placed, sender=operator.address))
    worker.transact(log.build_finish(placed, sender=operator.address))
    task = log.task(placed)
    assert task.operator == operator.address
    assert task.finished_at >= task.started_at > 0
    assert [name for _block, name, _args in log.events(placed)] == ["OperatorAssigned", "TaskStarted", "TaskFinished"]
    assert [to for _b, _f, to in sdk.order_book.history(placed)] == [
        OrderStatus.MATCHED, OrderStatus.PRINTING, OrderStatus.PRINTED,
    ]  # fmt: skip


def test_match_ledger__check__same_verdict_as_the_chain(sdk) -> None:
    from offchain.types import Part

    assert sdk.match_ledger.check(Part(10, 10, 10, 0, 0, 200), CAPABILITY) == Constraint.NONE
    assert sdk.match_ledger.check(Part(10, 10, 300_000, 0, 0, 200), CAPABILITY) == Constraint.HEIGHT


def test_chain__registry_of_another_chain__refused(sdk) -> None:
    from dataclasses import replace

    with pytest.raises(RegistryError, match="chain id 1 "):
        Chain(sdk.w3, replace(sdk.registry, chain_id=1))


def test_chain__check_wiring__deployed_platform_passes(sdk) -> None:
    sdk.check_wiring()

    assert sdk.order_book.status_writers() == (
        sdk.registry.contracts["MatchLedger"].address,
        sdk.registry.contracts["ExecutionLog"].address,
    )


def test_chain__check_wiring__registry_naming_another_match_ledger__refused(sdk) -> None:
    """A registry whose MatchLedger is not the one OrderBook trusts (a swapped file, a foreign deployment): the bot
    and every agent refuse it rather than publish matches OrderBook would reject, or trust orders it did not check."""
    from dataclasses import replace

    contracts = dict(sdk.registry.contracts)
    contracts["MatchLedger"] = replace(contracts["MatchLedger"], address=contracts["TwinRegistry"].address)

    with pytest.raises(RegistryError, match="OrderBook's status writers are"):
        Chain(sdk.w3, replace(sdk.registry, contracts=contracts)).check_wiring()


def test_revert_error__is_in_the_tree() -> None:
    err = NotAuthorisedError("OrderBook", "OrderBookNotCustomer", {"orderId": 1}, function="cancelOrder")
    assert isinstance(err, ContractRevertError)
    assert isinstance(err, PermissionError)
