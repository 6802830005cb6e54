"""The event follower on the real contracts (ape's in-process EVM): settled spans only, decoded events of several
contracts in chain order, a reorg replayed from the fork (the EVM's snapshot/restore forks the chain), handler
failures retried without losing the span, the checkpoint committed with the agent's state."""

from __future__ import annotations

from offchain.chain.follower import EventFollower


def drain(follower: EventFollower) -> list:
    """Every span available now, committed; their events."""
    events = []
    while (span := follower.poll()) is not None:
        events += span.events
        follower.commit(span, {})
    return events


def order_ids(events) -> list[int]:
    return [int(e.args["orderId"]) for e in events if e.name == "OrderPlaced"]


def test_follower__only_settled_blocks__each_event_once(sdk, chain, place, tmp_path):
    follower = EventFollower(sdk, {"OrderBook": ["OrderPlaced"]}, tmp_path / "cp.json", confirmations=3)
    drain(follower)
    first = place()
    assert order_ids(drain(follower)) == []  # mined, but not 3 blocks deep yet
    chain.mine(3)
    assert order_ids(drain(follower)) == [first]
    chain.mine(5)
    assert drain(follower) == []  # never twice
    assert follower.cursor.block == chain.blocks.height - 3


def test_follower__several_contracts__decoded_in_chain_order(sdk, chain, place, signer_of, matcher, tmp_path):
    follower = EventFollower(sdk, {"OrderBook": None, "MatchLedger": ["CustomerImportanceSet"]}, tmp_path / "c.json",
                             confirmations=0)  # fmt: skip
    drain(follower)
    order = place()
    build = sdk.match_ledger.build_set_importance
    signer_of(matcher).transact(build(sdk.order_book.order(order).customer, 2, sender=matcher.address))
    events = drain(follower)
    assert [(e.contract, e.name) for e in events] == [
        ("OrderBook", "OrderPlaced"),
        ("MatchLedger", "CustomerImportanceSet"),
    ]
    assert events[1].args["importance"] == 2
    assert events == sorted(events, key=lambda e: (e.block, e.log_index))
    assert all(e.tx_hash.startswith("0x") and len(e.tx_hash) == 66 for e in events)


def test_follower__reorg__replays_from_the_fork_with_the_new_chains_events(sdk, chain, place, tmp_path):
    follower = EventFollower(sdk, {"OrderBook": ["OrderPlaced"]}, tmp_path / "cp.json", confirmations=1)
    chain.mine(2)
    drain(follower)
    fork = follower.cursor.block
    snapshot = chain.snapshot()
    chain.mine(1)
    lost = place()
    chain.mine(3)
    assert order_ids(drain(follower)) == [lost]
    assert follower.cursor.block > fork

    chain.restore(snapshot)  # the blocks after the fork are replaced by other ones
    kept = place(quantity=2)
    chain.mine(6)
    span = follower.poll()
    assert span is not None
    assert span.rewound
    assert span.first == fork + 1  # the newest remembered checkpoint still on the chain
    follower.commit(span, {})
    assert order_ids(span.events + drain(follower)) == [kept]
    assert sdk.order_book.order(kept).quantity == 2


def test_follower__handler_fails_once__span_retried_then_committed_with_state(sdk, chain, place, tmp_path):
    path = tmp_path / "cp.json"
    follower = EventFollower(sdk, {"OrderBook": ["OrderPlaced"]}, path, confirmations=0)
    drain(follower)
    order = place()
    calls: list[list[int]] = []

    def handle(span):
        calls.append(order_ids(span.events))
        if len(calls) == 1:
            raise ValueError("IPFS hiccup")
        return {"seen": calls[-1]}

    follower.run(handle, poll_seconds=0.01, max_spans=1)
    assert calls == [[order], [order]]  # the failed span came again, whole
    again = EventFollower(sdk, {"OrderBook": ["OrderPlaced"]}, path, confirmations=0)
    assert again.state == {"seen": [order]}
    assert again.cursor.block == follower.cursor.block
