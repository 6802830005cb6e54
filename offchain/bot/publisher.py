"""The matcher's publisher: match batches signed and sent through the one Signer, never while an earlier
transaction of ours may still land."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from offchain.chain.records import MatchInput
from offchain.chain.signer import Sent, Signer
from offchain.types import MAX_BATCH_SIZE

log = logging.getLogger("imse.matcher")


class Publisher:
    def __init__(self, signer: Signer) -> None:
        self.signer = signer
        self.ledger = signer.chain.match_ledger

    def publish(self, input_digest: bytes, input_cid: str, inputs: Sequence[MatchInput]) -> list[str]:
        """Batches of ≤ MAX_BATCH_SIZE matches citing the input snapshot; the hashes of the mined transactions."""
        hashes = []
        for first in range(0, len(inputs), MAX_BATCH_SIZE):
            batch = inputs[first : first + MAX_BATCH_SIZE]
            tx = self.ledger.build_publish(input_digest, input_cid, batch, sender=self.signer.address)
            sent = self.signer.transact(tx, deadline_seconds=6 * self.signer.stuck_seconds())
            skipped = self.ledger.skipped(sent.receipt)
            log.info("published %d match(es): %s, block %d", len(batch) - len(skipped), sent.tx_hash, sent.block)
            for order_id, twin_id, reason, detail in skipped:  # the chain moved since planning: re-planned next span
                log.info("order %d skipped on twin %d: %s (%d)", order_id, twin_id, reason.name.lower(), detail)
            hashes.append(sent.tx_hash)
        return hashes

    def unmatch(self, order_id: int) -> str:
        """Withdraws a match (a stranded one, found by the bot); the hash of the mined transaction."""
        tx = self.ledger.build_unmatch(order_id, sender=self.signer.address)
        return self.signer.transact(tx, deadline_seconds=6 * self.signer.stuck_seconds()).tx_hash

    def resume_in_flight(self) -> None:
        """Finishes what an earlier run left pending before planning again — a transaction sent before a crash may
        still land, and planning before it did could match its orders twice (the chain would refuse, but gas would
        be lost). Each is re-sent with higher fees (`Signer.resume_pending`); its outcome is logged, and what it did
        not match is planned again from the chain's state."""
        for outcome in self.signer.resume_pending(deadline_seconds=6 * self.signer.stuck_seconds()):
            if isinstance(outcome, Sent):
                log.info("resumed a transaction left pending: %s, block %d", outcome.tx_hash, outcome.block)
            else:
                log.warning("a transaction left pending did not go through (%s); re-planning", outcome)
