"""The matcher bot: follows OrderPlaced / rework / cancel / twin-status changes after N confirmations, plans the
pending pool with the active rule, slices, puts G-code and the input snapshot on IPFS, and publishes the matches in
batch transactions.

Safety, in order of importance:
- **Never a double match.** Order status is read from OrderBook right before planning and again right before
  publishing; MatchLedger refuses an order that is not Placed / Rework anyway. A transaction still in flight
  (after a crash) is waited for before anything new is planned.
- **Never a lost order.** The checkpoint (last fully processed block + its hash + the pending pool) is written
  atomically only after a cycle finished; on restart the bot resumes there, re-reads events after it, and re-checks
  every pending order's status. A hash mismatch at the checkpoint (reorg) rewinds it.
- **No crash loop.** RPC / IPFS / slicer errors back off exponentially and retry; a stuck transaction is replaced
  with the same nonce and a fee bump.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from web3.exceptions import Web3Exception

from offchain.bot.view import MATCHABLE, ChainView, OrderInfo
from offchain.chain.records import MatchInput
from offchain.chain.signer import Signer
from offchain.exceptions import ImseError
from offchain.matching.model import Assignment, PendingOrder, Unmatched
from offchain.matching.snapshot import Snapshot
from offchain.printing.slicer import Slicer, SlicerProfile
from offchain.printing.stl import read_stl
from offchain.storage.base import Storage, fetch_verified
from offchain.types import MAX_BATCH_SIZE, CatalogueKind

log = logging.getLogger("imse.matcher")
EVENT_CHUNK = 2000  # blocks per eth_getLogs request
REFERENCE_PROFILE = SlicerProfile()  # estimates for planning; G-code is sliced again for the chosen printer


@dataclass
class RuleRef:
    rule_id: int
    version: int
    spec: dict[str, Any]


@dataclass
class Checkpoint:
    block: int
    hash: str
    pending: dict[int, OrderInfo] = field(default_factory=dict)
    genesis: str = ""  # hash of block 0: a checkpoint belongs to one chain

    @classmethod
    def load(cls, path: Path, start_block: int, genesis: str = "") -> Checkpoint:
        """The saved checkpoint, or a fresh one just before `start_block`. ImseError when the file belongs to
        another chain (a different genesis) — using it would skip or replay the wrong blocks."""
        if not path.is_file():
            return cls(start_block - 1, "", genesis=genesis)
        data = json.loads(path.read_text())
        saved = str(data.get("genesis", ""))
        if genesis and saved and saved != genesis:
            raise ImseError(
                f"checkpoint {path} belongs to another chain (genesis {saved[:12]}…, this one {genesis[:12]}…): "
                "delete it or pass another --state"
            )
        pending = {int(k): OrderInfo(v["cid"], bytes.fromhex(v["digest"])) for k, v in data["pending"].items()}
        return cls(int(data["block"]), str(data["hash"]), pending, genesis or saved)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "genesis": self.genesis,
            "block": self.block,
            "hash": self.hash,
            "pending": {
                str(k): {"cid": v.design_cid, "digest": v.design_digest.hex()} for k, v in self.pending.items()
            },
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1) + "\n")
        os.replace(tmp, path)  # atomic: a crash leaves the old or the new checkpoint, never half of one


@dataclass
class CycleReport:
    block: int
    pending: int
    matched: list[Assignment]
    unmatched: list[Unmatched]
    tx_hashes: list[str]


class MatcherBot:
    def __init__(
        self,
        view: ChainView,
        storage: Storage,
        slicer: Slicer,
        private_key: str,
        rule: RuleRef,
        state_path: Path,
        *,
        confirmations: int | None = None,
        mode: str = "rule",
        poll_seconds: float = 1.0,
        stuck_blocks: int = 8,
    ) -> None:
        self.view = view
        self.storage = storage
        self.slicer = slicer
        self.account = Account.from_key(private_key)
        self.signer = Signer(view.chain, self.account)
        self.rule = rule
        self.state_path = state_path
        self.mode = mode
        self.poll_seconds = poll_seconds
        self.stuck_blocks = stuck_blocks
        self.confirmations = confirmations if confirmations is not None else view.signer_count() // 2 + 1
        self.checkpoint = Checkpoint.load(state_path, view.from_block, view.block_hash(0))
        # design digest → (seconds per copy, STL bytes, size in mm): each design is fetched, parsed and sliced once
        self._designs: dict[bytes, tuple[int, bytes, tuple[float, float, float]]] = {}
        self._period: float | None = None
        self._materials: dict[int, str] | None = None

    # ------------------------------------------------------------------------------------------ loop

    def run(self, stop: threading.Event | None = None, *, max_cycles: int | None = None) -> None:
        """Cycles until `stop` is set; errors back off (1 s doubling to 60 s) and never end the loop."""
        stop = stop or threading.Event()
        delay, cycles = self.poll_seconds, 0
        log.info(
            "matcher %s: rule %d v%d (%s), %d confirmations, checkpoint block %d, %d pending",
            self.account.address,
            self.rule.rule_id,
            self.rule.version,
            self.rule.spec.get("name"),
            self.confirmations,
            self.checkpoint.block,
            len(self.checkpoint.pending),
        )
        while not stop.is_set() and (max_cycles is None or cycles < max_cycles):
            try:
                self.cycle()
                delay = self.poll_seconds
                cycles += 1
            except (ImseError, OSError, ValueError, Web3Exception) as err:
                log.warning("cycle failed (%s: %s); retrying in %.0f s", err.__class__.__name__, err, delay)
                stop.wait(delay)
                delay = min(60.0, delay * 2)
                continue
            except Exception:  # a bug must not become a crash loop either: log it whole and back off
                log.exception("cycle failed unexpectedly; retrying in %.0f s", delay)
                stop.wait(delay)
                delay = min(60.0, delay * 2)
                continue
            stop.wait(self.poll_seconds)

    def cycle(self) -> CycleReport | None:
        """One pass: new safe blocks → pool → plan → publish → checkpoint. None when there was nothing new."""
        self._wait_for_in_flight()
        head = self.view.head()
        safe = head - self.confirmations
        if self.checkpoint.block > head:
            log.warning("node at block %d is behind the checkpoint (%d): waiting for it", head, self.checkpoint.block)
            return None
        checked = self.checkpoint.hash and self.checkpoint.block >= 0
        if checked and self.view.block_hash(self.checkpoint.block) != self.checkpoint.hash:
            rewind = max(self.view.from_block - 1, self.checkpoint.block - 2 * self.confirmations - 1)
            log.warning("reorg: block %d changed; rewinding to %d", self.checkpoint.block, rewind)
            self.checkpoint.block, self.checkpoint.hash = rewind, ""
        if safe <= self.checkpoint.block:
            return None
        for start in range(self.checkpoint.block + 1, safe + 1, EVENT_CHUNK):
            placed, rework = self.view.order_events(start, min(safe, start + EVENT_CHUNK - 1))
            self.checkpoint.pending.update(placed)
            missing = {i for i in rework if i not in self.checkpoint.pending}
            self.checkpoint.pending.update(self.view.placed_info(missing))
        self.checkpoint.pending = {
            i: info for i, info in self.checkpoint.pending.items() if self.view.status(i) in MATCHABLE
        }
        report = self._match(safe)
        self.checkpoint.block, self.checkpoint.hash = safe, self.view.block_hash(safe)
        self.checkpoint.save(self.state_path)
        return report

    # ------------------------------------------------------------------------------------------ matching

    def _match(self, block: int) -> CycleReport:
        pool = self.checkpoint.pending
        if not pool:
            return CycleReport(block, 0, [], [], [])
        orders: list[PendingOrder] = []
        unavailable: list[Unmatched] = []
        for order_id, info in sorted(pool.items()):
            try:
                per_copy = self._estimate(info)
            except ImseError as err:
                unavailable.append(Unmatched(order_id, "design unavailable", {"error": str(err)[:300]}))
                continue
            order = self.view.pending_order(order_id, 0)
            orders.append(dataclasses.replace(order, estimated_seconds=per_copy * order.quantity))
        now = int(time.time())
        window = float(self.rule.spec.get("window_hours", 24))
        printers = self.view.printers(self.storage, now, window, self.view.busy_until())
        snapshot = Snapshot(now, self.rule.spec, orders, printers, self.mode, self.rule.rule_id, self.rule.version)
        result = snapshot.run()
        tx_hashes = self._publish(snapshot, result.assignments, pool) if result.assignments else []
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
        return CycleReport(block, len(pool), result.assignments, unmatched, tx_hashes)

    def _estimate(self, info: OrderInfo) -> int:
        """Seconds per copy of a design (sliced once with the reference profile; cached)."""
        if info.design_digest not in self._designs:
            stl = fetch_verified(self.storage, info.design_cid, info.design_digest, max_bytes=100 * 1024 * 1024)
            size = read_stl(stl).size_mm
            seconds = self.slicer.slice(stl, REFERENCE_PROFILE, size_mm=size).estimated_seconds
            self._designs[info.design_digest] = (seconds, stl, size)
        return self._designs[info.design_digest][0]

    def _gcode_cid(self, order: PendingOrder, info: OrderInfo, document: dict[str, Any] | None) -> str:
        """G-code for the chosen printer (the profile of its twin `document` when there is one) on IPFS."""
        _seconds, stl, size = self._designs[info.design_digest]
        profile = REFERENCE_PROFILE
        if document is not None:
            try:
                profile = SlicerProfile.from_twin(document, material=self._material_names().get(order.material, "PLA"))
            except ImseError:
                profile = REFERENCE_PROFILE
        result = self.slicer.slice(stl, profile, size_mm=size)
        return self.storage.add(result.gcode_path.read_bytes())

    def _twin_document(self, twin_id: int) -> dict[str, Any] | None:
        digest = bytes(self.view.twin_registry.functions.getTwin(twin_id).call()[6])
        return self.view.twin_document(self.storage, twin_id, digest)

    def _material_names(self) -> dict[int, str]:
        if self._materials is None:
            events = self.view.twin_registry.events.CatalogueEntryAdded.get_logs(
                from_block=self.view.from_block,
                to_block="latest",
                argument_filters={"kind": int(CatalogueKind.MATERIAL)},
            )
            self._materials = {int(e["args"]["code"]): str(e["args"]["name"]) for e in events}
        return self._materials

    # ------------------------------------------------------------------------------------------ publishing

    def _publish(self, snapshot: Snapshot, assignments: list[Assignment], pool: dict[int, OrderInfo]) -> list[str]:
        input_cid = self.storage.add(snapshot.canonical())
        digest = snapshot.digest()
        by_id = {o.order_id: o for o in snapshot.orders}
        documents: dict[int, dict[str, Any] | None] = {}
        inputs = []
        for a in assignments:
            if self.view.status(a.order_id) not in MATCHABLE:
                continue  # matched or cancelled since planning
            if a.twin_id not in documents:
                documents[a.twin_id] = self._twin_document(a.twin_id)
            gcode = self._gcode_cid(by_id[a.order_id], pool[a.order_id], documents[a.twin_id])
            inputs.append(
                MatchInput(
                    a.order_id, a.twin_id, snapshot.rule_id, snapshot.rule_version, a.start, a.end - a.start, gcode
                )
            )
        hashes = []
        ledger = self.view.chain.match_ledger
        for first in range(0, len(inputs), MAX_BATCH_SIZE):
            batch = inputs[first : first + MAX_BATCH_SIZE]
            tx = ledger.build_publish(digest, input_cid, batch, sender=self.signer.address)
            sent = self.signer.transact(tx, deadline_seconds=6 * self._stuck_seconds())
            hashes.append(sent.tx_hash)
        return hashes

    def _stuck_seconds(self) -> float:
        """`stuck_blocks` block periods (the period measured once from the last two blocks)."""
        if self._period is None:
            head = self.view.head()
            a, b = (int(self.view.w3.eth.get_block(n)["timestamp"]) for n in (max(0, head - 1), head))
            self._period = float(max(1, b - a))
        return self.stuck_blocks * self._period

    def _wait_for_in_flight(self) -> None:
        """Waits (bounded) until no transaction of ours is pending — one sent before a crash may still land."""
        w3 = self.view.w3
        deadline = time.monotonic() + self._stuck_seconds()
        while w3.eth.get_transaction_count(self.account.address, "pending") > w3.eth.get_transaction_count(
            self.account.address, "latest"
        ):
            if time.monotonic() > deadline:
                raise ImseError("a transaction of ours is still pending; waiting for it before planning again")
            time.sleep(0.5)


def registry_rule(view: ChainView, storage: Storage, rule_id: int, version: int | None = None) -> RuleRef:
    """A registered rule's spec from IPFS, checked against its digest on chain (latest version by default)."""
    ledger = view.match_ledger.functions
    version = version or int(ledger.latestRuleVersion(rule_id).call())
    digest = bytes(ledger.ruleSpecDigest(rule_id, version).call())
    cid = None
    for event in view.match_ledger.events.RuleRegistered.get_logs(
        from_block=view.from_block, to_block="latest", argument_filters={"ruleId": rule_id}
    ):
        if int(event["args"]["version"]) == version:
            cid = event["args"]["specCid"]
    if cid is None:
        raise ImseError(f"rule {rule_id} has no version {version}")
    return RuleRef(rule_id, version, json.loads(fetch_verified(storage, cid, digest)))
