"""The matcher bot: the event follower hands it settled blocks; it keeps the pool of orders waiting for a match,
plans the pool with the active rule, has the estimator slice, puts the input snapshot on IPFS, and has the publisher
send the matches in batch transactions.

    follower (chain SDK)  →  pool  →  plan (matching engine)  →  estimator (slicer, IPFS)  →  publisher (Signer)

Safety, in order of importance:
- **Never a double match.** Order status is read from OrderBook before planning and again before publishing;
  MatchLedger refuses an order that is not Placed / Rework anyway. A transaction still in flight (after a crash)
  is waited for before anything new is planned.
- **Never a lost order.** The pending pool is saved with the follower's checkpoint only after a span was handled;
  on restart the bot resumes there, re-reads the events after it, and re-checks every pending order's status.
  A reorg replays the changed blocks (the follower finds the fork).
- **No crash loop.** RPC / IPFS / slicer errors back off exponentially and retry (the follower's loop); a stuck
  transaction is replaced with the same nonce and a fee bump (the Signer).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account

from offchain.bot.estimator import Estimator
from offchain.bot.publisher import Publisher
from offchain.bot.view import MATCHABLE, ChainView, OrderInfo
from offchain.chain.connection import Chain
from offchain.chain.follower import EventFollower, Span
from offchain.chain.records import MatchInput, OrderRequest
from offchain.chain.signer import Signer
from offchain.exceptions import ChainError, ImseError, NetworkError
from offchain.matching.model import Assignment, PendingOrder, Unmatched
from offchain.matching.snapshot import Snapshot
from offchain.printing.slicer import Slicer
from offchain.services.rules import RuleRef
from offchain.storage.base import Storage
from offchain.types import OrderStatus, TwinStatus

log = logging.getLogger("imse.matcher")
SUBSCRIPTIONS = {
    "OrderBook": ["OrderPlaced", "OrderStatusChanged"],
    "MatchLedger": ["OrderMatched"],
    "TwinRegistry": ["TwinStatusChanged", "TwinUpdated"],
}
LIVE = (OrderStatus.MATCHED, OrderStatus.PRINTING)  # statuses whose match keeps its printer busy
PRINTABLE = (TwinStatus.AVAILABLE, TwinStatus.BUSY)  # twin statuses under which a match can still be printed


@dataclass
class CycleReport:
    block: int
    pending: int
    matched: list[Assignment]
    unmatched: list[Unmatched]
    tx_hashes: list[str]


def pool_to_json(pool: dict[int, OrderInfo]) -> dict[str, Any]:
    return {str(k): {"cid": v.design_cid, "digest": v.design_digest.hex()} for k, v in sorted(pool.items())}


def pool_from_json(data: dict[str, Any]) -> dict[int, OrderInfo]:
    return {int(k): OrderInfo(str(v["cid"]), bytes.fromhex(v["digest"])) for k, v in data.items()}


class MatcherBot:
    def __init__(
        self,
        chain: Chain,
        storage: Storage,
        slicer: Slicer,
        private_key: str,
        rule: RuleRef,
        state_path: Path,
        *,
        confirmations: int | None = None,
        mode: str = "rule",
        poll_seconds: float = 1.0,
    ) -> None:
        self.chain = chain
        self.view = ChainView(chain)
        self.storage = storage
        self.account = Account.from_key(private_key)
        self.publisher = Publisher(Signer(chain, self.account))
        self.estimator = Estimator(storage, slicer)
        self.rule = rule
        self.mode = mode
        self.poll_seconds = poll_seconds
        self.follower = EventFollower(chain, SUBSCRIPTIONS, state_path, confirmations=confirmations)
        self.report_path: Path | None = state_path.with_name("report.json")
        """The last cycle's unmatched orders and why (see `_report`)."""
        self.pending = pool_from_json(self.follower.state.get("pending", {}))
        # order → (twin, planned end) of live matches: which printers are busy until when (kept incrementally)
        self.busy: dict[int, tuple[int, int]] = {
            int(k): (int(v[0]), int(v[1])) for k, v in self.follower.state.get("busy", {}).items()
        }

    # ------------------------------------------------------------------------------------------ loop

    def run(self, stop: threading.Event | None = None, *, max_spans: int | None = None) -> None:
        """Handles spans of settled blocks until `stop` is set (errors back off and never end the loop)."""
        log.info(
            "matcher %s: rule %d v%d (%s), %d confirmations, checkpoint block %d, %d pending",
            self.account.address,
            self.rule.rule_id,
            self.rule.version,
            self.rule.spec.get("name"),
            self.follower.confirmations,
            self.follower.cursor.block,
            len(self.pending),
        )
        self.follower.run(self.handle, stop, poll_seconds=self.poll_seconds, max_spans=max_spans)

    def handle(self, span: Span) -> dict[str, Any]:
        """One span: withdraw stranded matches; pool ← orders that became matchable by any route; plan; publish.
        Returns the state to checkpoint with it.

        Pool membership is decided at the span's last (confirmed) block, not at the head: an order our own
        publish matched in a block that a reorg may still undo stays in the pool (planning skips it while the head
        says it is matched), so the reorg cannot lose it."""
        self.publisher.resume_in_flight()
        back = self._withdraw_stranded(span)
        pool = dict(self.pending)
        for event in span.named("OrderPlaced"):
            pool[int(event.args["orderId"])] = OrderInfo.of(OrderRequest.from_abi(event.args["request"]))
        for event in span.named("OrderStatusChanged"):
            if OrderStatus(int(event.args["to"])) in MATCHABLE:  # unmatched, faulted: back in a pool
                back.add(int(event.args["orderId"]))
        for event in span.named("OrderMatched"):
            self.busy[int(event.args["orderId"])] = (
                int(event.args["twinId"]),
                int(event.args["plannedStart"]) + int(event.args["estimatedSeconds"]),
            )
        pool.update(self.view.placed_info(back - set(pool)))
        pool = {i: info for i, info in pool.items() if self.view.status(i, block=span.last) in MATCHABLE}
        self.pending = pool
        self.match(span.last)
        return {
            "pending": pool_to_json(self.pending),
            "busy": {str(k): list(v) for k, v in sorted(self.busy.items())},
        }

    def _withdraw_stranded(self, span: Span) -> set[int]:
        """Matches on twins that changed in the span and can no longer print their order — out of service, in
        maintenance, or no longer fitting — are withdrawn (the bot is a matcher; anyone could once they are
        stranded). Returns the orders sent back to the pool."""
        changed = {int(e.args["twinId"]) for e in span.events if e.contract == "TwinRegistry"}
        back: set[int] = set()
        for twin_id in sorted(changed):
            # out of service (maintenance too: the bot is a matcher and re-plans at once, where anyone else waits
            # for MatchLedger's MAINTENANCE_GRACE), or no longer fitting the order
            out_of_service = self.chain.twin_registry.twin(twin_id).status not in PRINTABLE
            for order_id in self.view.live_matches(twin_id):
                if out_of_service or self.view.is_stranded(order_id):
                    self.publisher.unmatch(order_id)
                    log.info(
                        "order %d: its match to twin %d was stranded; withdrawn for re-matching", order_id, twin_id
                    )
                    back.add(order_id)
        return back

    # ------------------------------------------------------------------------------------------ matching

    def match(self, block: int) -> CycleReport:
        pool = self.pending
        if not pool:
            self._report(block, [])
            return CycleReport(block, 0, [], [], [])
        self.estimator.prepare(pool.values())  # new designs fetched in parallel, within a budget
        orders: list[PendingOrder] = []
        unavailable: list[Unmatched] = []
        for order_id, info in sorted(pool.items()):
            order = self._pending_order(order_id, info)  # one that cannot be planned is reported, never fatal
            if isinstance(order, Unmatched):
                unavailable.append(order)
                continue
            if order is None:
                continue  # matched in a block not yet confirmed (by us, most likely): stays in the pool meanwhile
            orders.append(order)
        now = int(time.time())
        window = float(self.rule.spec.get("window_hours", 24))
        printers = self.view.printers(self.storage, now, window, self._busy_until())
        snapshot = Snapshot(now, self.rule.spec, orders, printers, self.mode, self.rule.rule_id, self.rule.version)
        result = snapshot.run()
        tx_hashes = self._publish(snapshot, result.assignments) if result.assignments else []
        unmatched = unavailable + result.unmatched
        for item in unmatched:
            log.info("order %d unmatched: %s %s", item.order_id, item.reason, json.dumps(item.details))
        log.info(
            "block %d: %d pending, %d matched, %d unmatched, %d transaction(s)",
            block,
            len(pool),
            len(result.assignments),
            len(unmatched),
            len(tx_hashes),
        )
        self._report(block, unmatched)
        return CycleReport(block, len(pool), result.assignments, unmatched, tx_hashes)

    def _pending_order(self, order_id: int, info: OrderInfo) -> PendingOrder | Unmatched | None:
        """The order as the engine takes it, in its own guard: Unmatched (with the reason) when its design is
        unavailable or its values are outside what the engine plans (e.g. an absurd quantity placed before
        OrderBook capped it); None when it is no longer waiting. A chain error is not the order's fault: it
        propagates, and the span is retried after a back-off."""
        try:
            per_copy = self.estimator.seconds_per_copy(info)
        except (ChainError, NetworkError):
            raise
        except ImseError as err:
            return Unmatched(order_id, "design unavailable", {"error": str(err)[:300]})
        try:
            return self.view.pending_order(order_id, per_copy)
        except (ChainError, NetworkError):
            raise
        except ImseError as err:
            return Unmatched(order_id, "order cannot be planned", {"error": str(err)[:300]})

    def _report(self, block: int, unmatched: list[Unmatched]) -> None:
        """The cycle's unmatched orders with their reasons, for `ape run bot status` and the pages (a file beside
        the checkpoint, replaced atomically)."""
        if self.report_path is None:
            return
        body = {"block": block, "time": int(time.time()), "unmatched": [u.to_json() for u in unmatched]}
        partial = self.report_path.with_suffix(".part")
        partial.write_text(json.dumps(body, indent=1, default=str))
        partial.replace(self.report_path)

    def _busy_until(self) -> dict[int, int]:
        """Per printer, when the work matched to it and not yet done ends. Only live matches are kept: one whose
        order is no longer Matched / Printing (printed, faulted, withdrawn) frees its printer."""
        self.busy = {o: entry for o, entry in self.busy.items() if self.view.status(o) in LIVE}
        ends: dict[int, int] = {}
        for twin_id, end in self.busy.values():
            ends[twin_id] = max(ends.get(twin_id, 0), end)
        return ends

    def _publish(self, snapshot: Snapshot, assignments: list[Assignment]) -> list[str]:
        input_cid = self.storage.add(snapshot.canonical())
        by_id = {o.order_id: o for o in snapshot.orders}
        materials = self.chain.twin_registry.catalogue().materials  # read now: entries may have changed
        documents: dict[int, dict[str, Any] | None] = {}
        inputs = []
        for a in assignments:
            if self.view.status(a.order_id) not in MATCHABLE:
                continue  # matched or cancelled since planning
            if a.twin_id not in documents:
                documents[a.twin_id] = self.view.current_document(self.storage, a.twin_id)
            material = materials.get(by_id[a.order_id].material, "PLA")
            try:
                gcode = self.estimator.gcode_cid(self.pending[a.order_id], documents[a.twin_id], material)
            except (ChainError, NetworkError):
                raise
            except ImseError as err:  # this match only: the order stays in the pool for the next cycle
                log.warning("order %d: no G-code for twin %d (%s); left for the next cycle", a.order_id, a.twin_id,
                            str(err)[:300])  # fmt: skip
                continue
            duration = max(1, a.end - a.start)  # MatchLedger refuses a zero estimate
            inputs.append(
                MatchInput(a.order_id, a.twin_id, snapshot.rule_id, snapshot.rule_version, a.start, duration, gcode)
            )
        if not inputs:
            return []
        hashes = self.publisher.publish(snapshot.digest(), input_cid, inputs)
        for item in inputs:  # busy at once: the next plan must not book the same time before these confirm
            self.busy[item.order_id] = (item.twin_id, item.planned_start + item.estimated_seconds)
        return hashes
