"""ExecutionLog: operator assignment, Start, Finish, Fault report and telemetry anchors of matched orders."""

from __future__ import annotations

from typing import Any

from offchain.chain.contract import ContractWrapper, UnsignedTx
from offchain.chain.records import Task


class ExecutionLog(ContractWrapper):
    NAME = "ExecutionLog"

    def task(self, order_id: int, *, block: int | str = "latest") -> Task:
        return Task.from_abi(order_id, self._read("getTask", order_id, block=block))

    def build_assign(self, order_id: int, operator: str, *, sender: str) -> UnsignedTx:
        return self._build("assignOperator", order_id, operator, sender=sender)

    def build_start(self, order_id: int, *, sender: str) -> UnsignedTx:
        return self._build("startTask", order_id, sender=sender)

    def build_finish(self, order_id: int, *, sender: str) -> UnsignedTx:
        return self._build("finishTask", order_id, sender=sender)

    def build_fault(self, order_id: int, reason_code: int, *, sender: str) -> UnsignedTx:
        return self._build("reportFault", order_id, reason_code, sender=sender)

    def build_reclaim(self, order_id: int, *, sender: str) -> UnsignedTx:
        """The customer takes back an order its printer holds in Printing past `reclaim_deadline`."""
        return self._build("reclaimStalled", order_id, sender=sender)

    def reclaim_deadline(self, order_id: int) -> int:
        """From when (unix seconds) the customer may reclaim a Printing order; 0 when it is not Printing."""
        return int(self._read("reclaimDeadline", order_id))

    def build_anchor(self, order_id: int, merkle_root: bytes, cid: str, count: int, *, sender: str) -> UnsignedTx:
        return self._build("anchorTelemetry", order_id, merkle_root, cid, count, sender=sender)

    def events(self, order_id: int) -> list[tuple[int, str, dict[str, Any]]]:
        """(block, event name, arguments) of every ExecutionLog event of the order, in chain order."""
        found = []
        for name in ("OperatorAssigned", "TaskStarted", "TaskFinished", "FaultReported", "TaskReclaimed",
                     "TelemetryAnchored"):  # fmt: skip
            for log in self.logs(name, orderId=order_id):
                found.append(((int(log["blockNumber"]), int(log["logIndex"])), name, dict(log["args"])))
        return [(position[0], name, args) for position, name, args in sorted(found, key=lambda f: f[0])]
