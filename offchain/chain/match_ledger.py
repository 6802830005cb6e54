"""MatchLedger: versioned rules, customer importance, match batches, unmatch, and the on-chain constraint check."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from offchain.chain.contract import ContractWrapper, UnsignedTx
from offchain.chain.records import Match, MatchInput, Rule
from offchain.types import MAX_BATCH_SIZE, Capability, Constraint, Part, SkipReason


class MatchLedger(ContractWrapper):
    NAME = "MatchLedger"

    # ------------------------------------------------------------------------------------------ rules

    def rules(self, rule_id: int | None = None) -> list[Rule]:
        """Every registered rule version (of one rule when `rule_id` is given), in registration order."""
        filters = {"ruleId": rule_id} if rule_id is not None else {}
        return [
            Rule(int(a["ruleId"]), int(a["version"]), str(a["name"] or ""), bytes(a["specDigest"]), str(a["specCid"]))
            for a in (log["args"] for log in self.logs("RuleRegistered", **filters))
        ]

    def latest_rule_version(self, rule_id: int) -> int:
        return int(self._read("latestRuleVersion", rule_id))

    def rule_spec_digest(self, rule_id: int, version: int) -> bytes:
        return bytes(self._read("ruleSpecDigest", rule_id, version))

    def build_register_rule(self, name: str, digest: bytes, cid: str, *, sender: str) -> UnsignedTx:
        return self._build("registerRule", name, digest, cid, sender=sender)

    def build_register_rule_version(self, rule_id: int, digest: bytes, cid: str, *, sender: str) -> UnsignedTx:
        return self._build("registerRuleVersion", rule_id, digest, cid, sender=sender)

    def registered(self, receipt: Any) -> tuple[int, int]:
        """(rule id, version) a registerRule / registerRuleVersion receipt recorded."""
        args = self.events_of(receipt, "RuleRegistered")[0]["args"]
        return int(args["ruleId"]), int(args["version"])

    # ------------------------------------------------------------------------------------------ importance

    def importance(self, customer: str, *, block: int | str = "latest") -> int:
        return int(self._read("customerImportance", customer, block=block))

    def build_set_importance(self, customer: str, level: int, *, sender: str) -> UnsignedTx:
        return self._build("setCustomerImportance", customer, level, sender=sender)

    # ------------------------------------------------------------------------------------------ matches

    def match(self, order_id: int, *, block: int | str = "latest") -> Match:
        return Match.from_abi(order_id, self._read("getMatch", order_id, block=block))

    def batch_count(self) -> int:
        return int(self._read("batchCount"))

    def check(self, part: Part, capability: Capability) -> Constraint:
        """The chain's own verdict on a (part, printer) pair: the first failed constraint, or NONE."""
        args = (part.size_u, part.size_v, part.size_w, part.material, part.colour, part.accuracy)
        return Constraint(int(self._read("checkConstraints", args, capability.as_tuple())))

    def build_publish(
        self, input_digest: bytes, input_cid: str, matches: Sequence[MatchInput], *, sender: str
    ) -> UnsignedTx:
        if not 1 <= len(matches) <= MAX_BATCH_SIZE:
            raise ValueError(f"a batch holds 1..{MAX_BATCH_SIZE} matches, not {len(matches)}")
        return self._build("publishMatches", input_digest, input_cid, [m.as_tuple() for m in matches], sender=sender)

    def build_unmatch(self, order_id: int, *, sender: str) -> UnsignedTx:
        """Withdraw a match (a matcher's call; anyone's when the match is stranded)."""
        return self._build("unmatch", order_id, sender=sender)

    def is_stranded(self, order_id: int, *, block: int | str = "latest") -> bool:
        """Whether a Matched order's printer can no longer print it (out of service, or the order does not fit)."""
        return bool(self._read("isStranded", order_id, block=block))

    def skipped(self, receipt: Any) -> list[tuple[int, int, SkipReason, int]]:
        """(order, twin, reason, detail) of the items a publishMatches receipt skipped."""
        return [
            (int(a["orderId"]), int(a["twinId"]), SkipReason(int(a["reason"])), int(a["detail"]))
            for a in (log["args"] for log in self.events_of(receipt, "MatchSkipped"))
        ]

    def matched(
        self, *, from_block: int | None = None, to_block: int | str = "latest", **filters: Any
    ) -> list[tuple[int, dict[str, Any]]]:
        """(block, arguments) of OrderMatched events (filter by `orderId`, `twinId`, `batchId`)."""
        return [
            (int(log["blockNumber"]), dict(log["args"]))
            for log in self.logs("OrderMatched", from_block=from_block, to_block=to_block, **filters)
        ]

    def batch(self, batch_id: int) -> dict[str, Any]:
        """The MatchBatchPublished arguments of batch `batch_id` (input digest and CID, matcher, count)."""
        logs = self.logs("MatchBatchPublished", batchId=batch_id)
        if not logs:
            raise LookupError(f"no batch {batch_id} (batches are numbered 1..{self.batch_count()})")
        return dict(logs[0]["args"])
