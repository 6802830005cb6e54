"""The SDK's transaction-and-ledger reader (`chain.transactions`): outcomes, the failure replayed on the parent
block, replacement by sender and nonce, names, decoding and the one fee formula — against the real contracts."""

from __future__ import annotations

import pytest

from offchain.chain.records import OrderRequest
from offchain.chain.requests import sample_order
from offchain.chain.transactions import Call, fee_cap, hex_of, plain
from offchain.exceptions import ChainError, InvalidStateError
from offchain.types import OrderStatus


@pytest.fixture
def placed_tx(sdk, signer_of, customer, chain):
    request = OrderRequest.from_abi(sample_order(int(chain.pending_timestamp) + 7 * 86400))
    return signer_of(customer).transact(sdk.order_book.build_place(request, sender=customer.address))


def test_outcome__mined__its_block(sdk, placed_tx) -> None:
    found = sdk.transactions.outcome(placed_tx.tx_hash)
    assert (found.state, found.block, found.error) == ("mined", placed_tx.block, None)
    assert found.as_dict()["hash"] == placed_tx.tx_hash


def test_outcome__never_sent__unknown(sdk) -> None:
    assert sdk.transactions.outcome("0x" + "ab" * 32).state == "unknown"
    assert sdk.transactions.receipt("0x" + "ab" * 32) is None
    assert sdk.transactions.transaction("0x" + "ab" * 32) is None


def test_failure__replayed_on_the_parent_block__the_contracts_error(sdk, signer_of, customer, placed_tx) -> None:
    """The second of two cancels fails on chain; replayed on its parent's state (where the order is already
    cancelled) it gives OrderBookInvalidTransition with the hash — the same error the signer raises."""
    (order_id,) = sdk.order_book.placed_ids(placed_tx.receipt)
    first = sdk.order_book.build_cancel(order_id, sender=customer.address)
    second = sdk.order_book.build_cancel(order_id, sender=customer.address)
    signer = signer_of(customer)
    signer.transact(first)
    with pytest.raises(InvalidStateError) as caught:
        signer.transact(second)
    tx_hash = caught.value.tx_hash
    assert tx_hash is not None
    found = sdk.transactions.outcome(tx_hash)
    assert found.state == "failed"
    assert "OrderBookInvalidTransition" in str(found.error)
    error = sdk.transactions.failure(tx_hash, sdk.transactions.receipt(tx_hash))
    assert isinstance(error, InvalidStateError)
    assert error.error == "OrderBookInvalidTransition"
    assert error.tx_hash == tx_hash


def test_failure__replay_does_not_revert__says_so(sdk, placed_tx) -> None:
    """A mined successful call replayed: nothing reverts, so the reader names the call and the hash instead of
    inventing an error."""
    error = sdk.transactions.failure(placed_tx.tx_hash, placed_tx.receipt)
    assert isinstance(error, ChainError)
    assert f"OrderBook.placeOrder failed on chain in transaction {placed_tx.tx_hash}" in str(error)


def test_replacement__by_sender_and_nonce(sdk, placed_tx, customer, stranger) -> None:
    tx = sdk.transactions.transaction(placed_tx.tx_hash)
    found = sdk.transactions.replacement(customer.address, int(tx["nonce"]), placed_tx.block - 1)
    assert hex_of(found["hash"]) == placed_tx.tx_hash
    assert sdk.transactions.replacement(stranger.address, int(tx["nonce"]), placed_tx.block - 1) is None
    assert sdk.transactions.replacement(customer.address, int(tx["nonce"]), placed_tx.block + 1) is None
    assert sdk.transactions.nonce(customer.address) > int(tx["nonce"])


def test_names__any_case__the_registry_name(sdk, stranger) -> None:
    address = sdk.order_book.address
    assert sdk.transactions.name_of(address.lower()) == "OrderBook"
    assert sdk.transactions.name_of(address.upper().replace("0X", "0x")) == "OrderBook"
    assert sdk.transactions.name_of(stranger.address) is None
    assert sdk.transactions.name_of("not an address") is None
    assert sdk.transactions.name_of(None) is None


def test_decode_call__ours_unknown_selector_and_foreign(sdk, placed_tx, stranger) -> None:
    tx = sdk.transactions.transaction(placed_tx.tx_hash)
    call = sdk.transactions.decode_call(tx["to"], tx["input"])
    assert (call.contract, call.function, call.label) == ("OrderBook", "placeOrder", "OrderBook.placeOrder")
    assert set(call.arguments) == {"request"}
    digest = call.arguments["request"]["designDigest"]  # bytes32 as 0x-hex: JSON-ready
    assert isinstance(digest, str)
    assert len(digest) == 66
    assert sdk.transactions.decode_call(sdk.order_book.address, "0xdeadbeef") == Call(
        "OrderBook", "0xdeadbeef", known=False
    )
    assert sdk.transactions.decode_call(sdk.order_book.address, "0xdeadbeef").label == "(unknown function)"
    foreign = sdk.transactions.decode_call(stranger.address, "0x12345678aa")
    assert (foreign.ours, foreign.label) == (False, "")
    assert sdk.transactions.decode_call(None, "0x") is None
    assert sdk.transactions.describe_call(stranger.address, "0x12345678aa") == (stranger.address, "0x12345678")


def test_decode_logs__platform_events_named(sdk, placed_tx) -> None:
    events = sdk.transactions.decode_logs(placed_tx.receipt)
    assert [(e.contract, e.event) for e in events] == [("OrderBook", "OrderPlaced")]
    assert events[0].args["orderId"] == sdk.order_book.placed_ids(placed_tx.receipt)[0]
    assert sdk.order_book.status(events[0].args["orderId"]) == OrderStatus.PLACED


def test_block__and_its_signer(sdk, placed_tx) -> None:
    block = sdk.transactions.block(placed_tx.block)
    assert int(block["number"]) == placed_tx.block
    assert sdk.transactions.signer_of(block)  # the miner field on ape's EVM, clique_getSigner on geth
    assert sdk.transactions.block(10**9) is None
    assert sdk.transactions.block("0x" + "00" * 32) is None


def test_fees__one_formula(sdk) -> None:
    assert fee_cap(7, 3) == 17
    assert sdk.transactions.fee_per_gas(tip=5) == fee_cap(sdk.transactions.base_fee(), 5)


def test_plain__json_values() -> None:
    assert plain({"a": b"\x01", "b": [(1, b"")]}) == {"a": "0x01", "b": [[1, "0x"]]}
    assert hex_of(b"\xab") == "0xab"
    assert hex_of("0xAB") == "0xab"
