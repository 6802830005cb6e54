"""The matcher bot span by span on ape's in-process chain (real contracts, the real slicer, designs and twin documents
in memory): races that the real network makes hard to time, injected exactly where they happen."""

from __future__ import annotations

from typing import Any

import pytest

from offchain.bench.match_latency import design_request, prepare
from offchain.bot.matcher import MatcherBot, registry_rule
from offchain.chain.signer import Signer
from offchain.printing.samples import box
from offchain.printing.slicer import Slicer
from offchain.storage.base import MemoryStorage
from offchain.types import CatalogueKind, OrderStatus, SkipReason, TwinStatus


@pytest.fixture
def world(sdk, signer_of, admin, servicer, matcher, customer, tmp_path) -> dict[str, Any]:
    """One printer twin working all day, 'Rule 1', one design; a bot (not running) with no confirmations to wait
    for (the in-process chain does not reorg)."""
    storage = MemoryStorage()
    grey = sdk.twin_registry.build_add_catalogue_entry(CatalogueKind.COLOUR, 4, "grey", sender=admin.address)
    signer_of(admin).transact(grey)  # the example printer document offers it
    prepared = prepare(
        sdk, storage, signer_of(servicer), signer_of(matcher), printers=1, designs=[(box(15, 15, 8), 15_000)]
    )
    bot = MatcherBot(
        sdk, storage, Slicer(tmp_path / "slicer"), matcher.private_key, registry_rule(sdk, storage, prepared.rule_id),
        tmp_path / "checkpoint.json", confirmations=0,
    )  # fmt: skip
    (twin_id,) = prepared.twin_ids
    return {"bot": bot, "twin": twin_id, "design": prepared.designs[0]}


def _span(bot: MatcherBot) -> None:
    """Hands the bot its next span of blocks, as its loop does."""
    span = bot.follower.poll()
    assert span is not None, "no new block for the bot"
    bot.follower.commit(span, bot.handle(span))


def _place(sdk: Any, signer: Signer, design: Any) -> int:
    sent = signer.transact(sdk.order_book.build_place(design_request(design), sender=signer.address))
    (order_id,) = sdk.order_book.placed_ids(sent.receipt)
    return order_id


def test_bot__batch_item_skipped_by_a_race__stays_in_the_pool_and_is_matched_next_span(
    sdk, signer_of, servicer, customer, world, monkeypatch
):
    """The printer's owner flips it to Busy between the bot's planning and its batch landing: the chain skips the
    item (`MatchSkipped`, twin not available), and the bot keeps the order and matches it once the printer is back
    (issue 10, point 3)."""
    bot, twin_id = world["bot"], world["twin"]
    owner = signer_of(servicer)
    order_id = _place(sdk, signer_of(customer), world["design"])
    publish = bot.publisher.publish
    skipped: list[Any] = []

    def racing(*args: Any) -> list[str]:
        owner.transact(sdk.twin_registry.build_set_status(twin_id, TwinStatus.BUSY, sender=owner.address))
        hashes = publish(*args)
        receipt = sdk.w3.eth.get_transaction_receipt(hashes[0])  # type: ignore[arg-type]
        skipped.extend(sdk.match_ledger.skipped(receipt))
        return hashes

    monkeypatch.setattr(bot.publisher, "publish", racing)
    _span(bot)

    assert [(o, t, reason) for o, t, reason, _detail in skipped] == [(order_id, twin_id, SkipReason.TWIN_NOT_AVAILABLE)]
    assert sdk.order_book.status(order_id) == OrderStatus.PLACED
    assert order_id in bot.pending

    monkeypatch.setattr(bot.publisher, "publish", publish)
    owner.transact(sdk.twin_registry.build_set_status(twin_id, TwinStatus.AVAILABLE, sender=owner.address))
    _span(bot)

    assert sdk.order_book.status(order_id) == OrderStatus.MATCHED
    assert sdk.match_ledger.match(order_id).twin_id == twin_id


def test_bot__twin_offline_after_matching__match_withdrawn_and_order_kept(sdk, signer_of, servicer, customer, world):
    """A printer taken offline after its order was matched strands the match: the bot withdraws it; the unmatch
    (an OrderStatusChanged back to Placed, read in the next span like any other route back to the pool) brings the
    order back, and it is matched again once the printer is back (issue 10, points 1 and 10)."""
    bot, twin_id = world["bot"], world["twin"]
    owner = signer_of(servicer)
    order_id = _place(sdk, signer_of(customer), world["design"])
    _span(bot)
    assert sdk.order_book.status(order_id) == OrderStatus.MATCHED

    owner.transact(sdk.twin_registry.build_set_status(twin_id, TwinStatus.OFFLINE, sender=owner.address))
    _span(bot)

    assert sdk.order_book.status(order_id) == OrderStatus.PLACED
    assert sdk.match_ledger.match(order_id).twin_id == 0

    owner.transact(sdk.twin_registry.build_set_status(twin_id, TwinStatus.AVAILABLE, sender=owner.address))
    _span(bot)

    assert sdk.order_book.status(order_id) == OrderStatus.MATCHED
