"""The matcher bot span by span on ape's in-process chain (real contracts, the real slicer, designs and twin documents
in memory): races that the real network makes hard to time, injected exactly where they happen."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import replace
from typing import Any

import pytest

from offchain.bench.match_latency import design_request, prepare
from offchain.bot.matcher import MatcherBot
from offchain.chain.signer import Signer
from offchain.exceptions import ContentNotFoundError, NotAuthorisedError
from offchain.printing.samples import box
from offchain.printing.slicer import Slicer
from offchain.services.rules import load_rule
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
        sdk, storage, Slicer(tmp_path / "slicer"), matcher.private_key, load_rule(sdk, storage, prepared.rule_id),
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


def _matched_then(sdk: Any, owner: Signer, customer: Signer, world: dict[str, Any], status: TwinStatus) -> int:
    """An order placed and matched by the bot to the world's printer, whose owner then sets `status` (the bot has
    handled that span); the order's id."""
    bot, twin_id = world["bot"], world["twin"]
    order_id = _place(sdk, customer, world["design"])
    _span(bot)
    assert sdk.order_book.status(order_id) == OrderStatus.MATCHED
    owner.transact(sdk.twin_registry.build_set_status(twin_id, status, sender=owner.address))
    _span(bot)
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
    _span(bot)  # the unmatch's OrderStatusChanged brings it back to the pool (the printer is still in maintenance)
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
    bot, twin_id, owner = world["bot"], world["twin"], signer_of(servicer)
    order_id = _matched_then(sdk, owner, signer_of(customer), world, TwinStatus.OFFLINE)

    assert sdk.order_book.status(order_id) == OrderStatus.PLACED
    assert sdk.match_ledger.match(order_id).twin_id == 0

    owner.transact(sdk.twin_registry.build_set_status(twin_id, TwinStatus.AVAILABLE, sender=owner.address))
    _span(bot)

    assert sdk.order_book.status(order_id) == OrderStatus.MATCHED


# ---------------------------------------------------------------------------------------------- hostile input (19)


def _raw_twin(sdk: Any, signer: Signer, storage: Any, body: bytes) -> int:
    """A printer twin published straight through the contract (as any servicer can, skipping our tools' schema
    check), with `body` as its document: the capability of a good printer, so the engine would consider it."""
    good = sdk.twin_registry.twin(1)
    cid = storage.add(body)
    sent = signer.transact(sdk.twin_registry.build_publish(
        good.kind, good.capability, hashlib.sha256(body).digest(), cid, sender=signer.address))  # fmt: skip
    return sdk.twin_registry.published_id(sent.receipt)


def test_bot__bad_twin_documents__those_printers_left_out_and_matching_goes_on(
    sdk, signer_of, servicer, customer, world, monkeypatch, caplog
):
    """`[]`, `{"capacity": []}`, `{"capacity": {"shifts": 5}}` or not JSON at all as a printer's document raised
    AttributeError / TypeError in every cycle and nothing was matched again. Now each such printer is left out
    with a warning naming it; a retired twin's document is not even fetched."""
    bot, owner = world["bot"], signer_of(servicer)
    bad = [_raw_twin(sdk, owner, bot.storage, body)
           for body in (b"[]", b'{"capacity": []}', b'{"capacity": {"shifts": 5}}', b"\xff not json")]  # fmt: skip
    retired = _raw_twin(sdk, owner, bot.storage, b'{"retired": {"shifts": 6}}')
    owner.transact(sdk.twin_registry.build_set_status(retired, TwinStatus.RETIRED, sender=owner.address))
    fetched: list[str] = []
    stream = bot.storage.stream
    monkeypatch.setattr(bot.storage, "stream", lambda cid, **kw: fetched.append(cid) or stream(cid, **kw))
    order_id = _place(sdk, signer_of(customer), world["design"])

    with caplog.at_level("WARNING", logger="imse.matcher"):
        _span(bot)

    assert sdk.order_book.status(order_id) == OrderStatus.MATCHED
    assert sdk.match_ledger.match(order_id).twin_id == world["twin"]
    for twin_id in bad:
        assert f"printer twin {twin_id} left out of planning" in caplog.text
    assert sdk.twin_registry.current_cid(retired) not in fetched


def test_bot__order_the_engine_refuses__reported_and_the_others_matched(sdk, signer_of, customer, world, monkeypatch):
    """An order whose values the engine's input check refuses (quantity 2³²−1, as OrderBook accepted before
    MAX_QUANTITY) raised outside any guard and the span was retried forever. Now it is reported with its reason
    (log and report.json) and left out; the other order is matched in the same span."""
    bot = world["bot"]
    absurd = _place(sdk, signer_of(customer), world["design"])
    fine = _place(sdk, signer_of(customer), world["design"])
    read = sdk.order_book.order
    monkeypatch.setattr(sdk.order_book, "order", lambda i, **kw: replace(read(i, **kw), quantity=2**32 - 1)
                        if i == absurd else read(i, **kw))  # fmt: skip

    _span(bot)

    assert sdk.order_book.status(fine) == OrderStatus.MATCHED
    assert sdk.order_book.status(absurd) == OrderStatus.PLACED
    assert absurd in bot.pending  # kept, never lost
    report = json.loads(bot.report_path.read_text())
    (item,) = [u for u in report["unmatched"] if u["order_id"] == absurd]
    assert item["reason"] == "order cannot be planned"
    assert "quantity" in item["details"]["error"]


class SlowMissingStorage(MemoryStorage):
    """A swarm where some CIDs take `delay` seconds to turn out missing (as kubo's timeout does), counting how many
    such fetches run at once."""

    def __init__(self, inner: MemoryStorage, delay: float) -> None:
        super().__init__()
        self.inner, self.delay = inner, delay
        self.in_flight = self.most_in_flight = self.missing_reads = 0
        self._lock = threading.Lock()

    def add(self, data: bytes, *, pin: bool = True) -> str:
        return self.inner.add(data, pin=pin)

    def stream(self, cid: str, *, max_bytes: int = 10**9) -> Any:
        if cid.startswith("bafkreimissing"):
            with self._lock:
                self.in_flight += 1
                self.missing_reads += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
            time.sleep(self.delay)
            with self._lock:
                self.in_flight -= 1
            raise ContentNotFoundError(cid, f"not found in the swarm within {self.delay:g} s")
        return self.inner.stream(cid, max_bytes=max_bytes)


def test_bot__unfetchable_designs__fetched_in_parallel_once_and_the_rest_matched(sdk, signer_of, customer, world):
    """Eight orders whose designs the swarm cannot serve cost one storage timeout each, one after another, in every
    cycle. Now they are fetched in parallel, not again before their back-off, and the good order is matched in
    the same span."""
    bot = world["bot"]
    slow = SlowMissingStorage(bot.storage, delay=1.0)
    bot.storage = bot.estimator.storage = slow
    _cid, _digest, size = world["design"]
    missing = [_place(sdk, signer_of(customer), (f"bafkreimissing{i}", bytes([i + 1]) * 32, size)) for i in range(8)]
    fine = _place(sdk, signer_of(customer), world["design"])

    _span(bot)

    assert sdk.order_book.status(fine) == OrderStatus.MATCHED
    assert slow.most_in_flight >= 4  # in parallel, not one 1 s timeout after another
    report = {u["order_id"]: u["reason"] for u in json.loads(bot.report_path.read_text())["unmatched"]}
    assert all(report[o] == "design unavailable" for o in missing)

    _place(sdk, signer_of(customer), world["design"])  # a new block for the next span
    _span(bot)
    assert slow.missing_reads == 8  # within the back-off: not fetched again
    assert set(missing) <= set(bot.pending)


def test_bot__printer_into_maintenance__the_bot_withdraws_at_once_a_stranger_cannot(
    sdk, signer_of, servicer, customer, stranger, world
):
    """A twin in Maintenance strands its matches for anyone but a matcher only an hour past their planned start
    (issue 19, point 17): a stranger cannot withdraw them; the bot, a matcher, re-plans them at once."""
    bot, twin_id = world["bot"], world["twin"]
    order_id = _place(sdk, signer_of(customer), world["design"])
    _span(bot)
    assert sdk.order_book.status(order_id) == OrderStatus.MATCHED
    owner = signer_of(servicer)
    owner.transact(sdk.twin_registry.build_set_status(twin_id, TwinStatus.MAINTENANCE, sender=owner.address))
    assert not sdk.match_ledger.is_stranded(order_id)
    with pytest.raises(NotAuthorisedError, match="MatchLedgerMatchNotStranded"):
        sdk.match_ledger.build_unmatch(order_id, sender=stranger.address)

    _span(bot)

    assert sdk.order_book.status(order_id) == OrderStatus.PLACED
