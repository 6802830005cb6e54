"""Match receipts: re-run the engine on a published batch's input snapshot and confirm the same decisions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from offchain.chain.connection import Chain
from offchain.exceptions import ImseError
from offchain.matching.snapshot import Snapshot
from offchain.storage.base import Storage, fetch_verified


@dataclass(frozen=True)
class Decision:
    order_id: int
    on_chain: tuple[int, int, int]  # twin, planned start, estimated seconds
    rerun: tuple[int, int, int] | None

    @property
    def ok(self) -> bool:
        return self.on_chain == self.rerun


@dataclass(frozen=True)
class BatchCheck:
    batch_id: int
    input_cid: str
    rule: tuple[int, int]
    decisions: list[Decision]

    @property
    def ok(self) -> bool:
        return bool(self.decisions) and all(d.ok for d in self.decisions)

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.batch_id,
            "input_cid": self.input_cid,
            "rule": list(self.rule),
            "ok": self.ok,
            "decisions": [
                {"order": d.order_id, "on_chain": d.on_chain, "rerun": d.rerun, "ok": d.ok} for d in self.decisions
            ],
        }


def verify_batch(chain: Chain, storage: Storage, batch_id: int) -> BatchCheck:
    """Fetches batch `batch_id`'s input snapshot (checked against the digest on chain), re-runs the engine on it,
    and compares every OrderMatched of the batch with the re-run's decision for that order."""
    ledger = chain.match_ledger
    try:
        args = ledger.batch(batch_id)
    except LookupError as err:
        raise ImseError(str(err)) from err
    if not args["inputCid"]:
        raise ImseError(f"batch {batch_id} is a manual batch: it has no input snapshot to re-run")
    snapshot = Snapshot.from_json(json.loads(fetch_verified(storage, args["inputCid"], bytes(args["inputDigest"]))))
    rerun = {a.order_id: (a.twin_id, a.start, a.end - a.start) for a in snapshot.run().assignments}
    decisions = []
    rule = (0, 0)
    for _block, a in ledger.matched(batchId=batch_id):
        rule = (int(a["ruleId"]), int(a["ruleVersion"]))
        decisions.append(
            Decision(
                int(a["orderId"]),
                (int(a["twinId"]), int(a["plannedStart"]), int(a["estimatedSeconds"])),
                rerun.get(int(a["orderId"])),
            )
        )
    if rule != (snapshot.rule_id, snapshot.rule_version):
        raise ImseError(
            f"batch {batch_id} names rule {rule} but its snapshot holds rule "
            f"{(snapshot.rule_id, snapshot.rule_version)}"
        )
    return BatchCheck(batch_id, str(args["inputCid"]), rule, decisions)
